import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConfigStore } from '../config/config-store';
import type { ProxyMetrics } from '../telemetry/metrics';

/** What both the admin server and the public health listener report on. */
export interface ObservedProxy {
  readonly store: ConfigStore;
  readonly metrics: ProxyMetrics;
  readonly isReady: () => boolean;
}

export function send(res: http.ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendReadiness(res: http.ServerResponse, proxy: ObservedProxy): void {
  if (proxy.isReady()) send(res, 200, 'text/plain', 'LIVE\n');
  else send(res, 503, 'text/plain', 'NOT READY\n');
}

export async function sendPrometheus(res: http.ServerResponse, proxy: ObservedProxy): Promise<void> {
  // Connection counts live on the clusters; sampled at scrape time rather than on every change.
  for (const cluster of proxy.store.current.clusters.values()) {
    proxy.metrics.upstreamConnections.set({ cluster: cluster.name }, cluster.state.connectionCount());
  }
  send(res, 200, proxy.metrics.registry.contentType, await proxy.metrics.registry.metrics());
}

/** A small HTTP server of the proxy's own (admin, health): one request handler, bound on demand, closed at once. */
export abstract class EndpointServer {
  private readonly server = http.createServer((req, res) => void this.handle(req, res));

  protected abstract handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> | void;

  /** Binds; resolves with the bound port (the OS's choice for port 0). */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  /** Closes at once, keep-alive connections (a scraper's, a prober's) included. */
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
