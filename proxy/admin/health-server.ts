import * as http from 'node:http';
import type { AppProbe } from '../bootstrap/app-probe-schema';
import { runAppProbe } from './app-probe';
import { EndpointServer, send, sendPrometheus, sendReadiness, type ObservedProxy } from './shared-endpoints';

export interface HealthDeps extends ObservedProxy {
  /** Keyed `<container>/<livez|readyz|startupz>`. */
  readonly appProbes: Readonly<Record<string, AppProbe>>;
}

const APP_HEALTH = '/app-health/';

/**
 * The proxy's port for outside the pod (kubelet, Prometheus): readiness, metrics and the app
 * containers' rewritten probes, and nothing that changes or reveals the proxy's configuration.
 */
export class HealthServer extends EndpointServer {
  private readonly appProbes: ReadonlyMap<string, AppProbe>;

  constructor(private readonly deps: HealthDeps) {
    super();
    this.appProbes = new Map(Object.entries(deps.appProbes));
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && path === '/ready') return sendReadiness(res, this.deps);
    if (req.method === 'GET' && path === '/stats/prometheus') return sendPrometheus(res, this.deps);
    const probe = req.method === 'GET' && path.startsWith(APP_HEALTH) ? this.appProbes.get(path.slice(APP_HEALTH.length)) : undefined;
    if (!probe) return send(res, 404, 'text/plain', 'not found; this port serves GET /ready, /stats/prometheus and /app-health/<container>/<livez|readyz|startupz>\n');
    const result = await runAppProbe(probe);
    send(res, result.ok ? 200 : 503, 'text/plain', `${result.detail}\n`);
  }
}
