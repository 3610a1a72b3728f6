import * as http from 'node:http';
import type { ConfigStore } from '../config/config-store';
import { EndpointServer, send, sendPrometheus, sendReadiness, type ObservedProxy } from './shared-endpoints';

export interface AdminDeps extends ObservedProxy {
  /** Starts draining listeners (POST /drain); the proxy keeps running until told to stop. */
  readonly drain: () => void;
}

function clusters(store: ConfigStore): unknown {
  const now = Date.now();
  return [...store.current.clusters.values()].map((cluster) => ({
    name: cluster.name,
    lb_policy: cluster.config.lbPolicy,
    active_requests: cluster.state.activeRequests,
    pending_requests: cluster.state.pendingRequests,
    active_retries: cluster.state.activeRetries,
    connections: cluster.state.connectionCount(),
    limits: cluster.config.limits,
    endpoints: cluster.members.map((member) => ({
      address: member.address,
      weight: member.endpoint.weight,
      active_requests: member.active,
      total_requests: member.totalRequests,
      total_failures: member.totalFailures,
      ejected: member.isEjected(now),
      ejections: member.ejections,
    })),
  }));
}

/** The admin interface: /ready, /stats/prometheus, /config_dump, /clusters and POST /drain. */
export class AdminServer extends EndpointServer {
  constructor(private readonly deps: AdminDeps) {
    super();
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/ready':
        return sendReadiness(res, this.deps);
      case '/stats/prometheus':
        return sendPrometheus(res, this.deps);
      case '/config_dump':
        return send(res, 200, 'application/json', JSON.stringify({ versions: this.deps.store.current.versions, ...this.deps.store.dump() }, bufferReplacer, 2));
      case '/clusters':
        return send(res, 200, 'application/json', JSON.stringify(clusters(this.deps.store), null, 2));
      case '/drain':
        if (req.method !== 'POST') return send(res, 405, 'text/plain', 'use POST /drain\n');
        this.deps.drain();
        return send(res, 200, 'text/plain', 'draining\n');
      default:
        return send(res, 404, 'text/plain', 'unknown admin path; try /ready /stats/prometheus /config_dump /clusters /drain\n');
    }
  }
}

/** Bytes in decoded config (inline data sources) dump as base64 rather than as arrays of numbers. */
function bufferReplacer(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') {
    return Buffer.from((value as { data: number[] }).data).toString('base64');
  }
  return value;
}
