/**
 * The controller's dashboard endpoints as a small stand-in: the page's assets and whatever snapshot
 * and service details a test sets, on a free loopback port. The page's own tests and the benchmark
 * use it; the live tests use the real controller.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadDashboardAssets } from '../../../dashboard';
import type { DashboardSnapshot, ServiceDetail } from '../../../lib/dashboard';

export const MOUNT = '/debug/dashboard/';

export interface FixtureServer {
  /** The page's address, query string not included. */
  readonly url: string;
  setSnapshot(snapshot: DashboardSnapshot): void;
  setService(detail: ServiceDetail): void;
  /** While true, the snapshot answers 503 as a controller that cannot collect would. */
  setUnavailable(unavailable: boolean): void;
  /** How many times the page asked for the snapshot. */
  readonly snapshotRequests: number;
  close(): Promise<void>;
}

export async function startFixtureServer(snapshot: DashboardSnapshot): Promise<FixtureServer> {
  const assets = await loadDashboardAssets();
  const services = new Map<string, ServiceDetail>();
  let current = snapshot;
  let snapshotRequests = 0;
  let unavailable = false;
  const json = (response: http.ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fixture');
    if (!url.pathname.startsWith(MOUNT)) return json(response, 404, { error: 'not the dashboard' });
    const rest = url.pathname.slice(MOUNT.length - 1);
    if (rest === '/api/snapshot') {
      snapshotRequests++;
      return unavailable ? json(response, 503, { error: 'collecting' }) : json(response, 200, current);
    }
    const service = /^\/api\/services\/([^/]+)\/([^/]+)$/.exec(rest);
    if (service) {
      const detail = services.get(`${decodeURIComponent(service[1]!)}/${decodeURIComponent(service[2]!)}`);
      return detail ? json(response, 200, detail) : json(response, 404, { error: 'no such service' });
    }
    const asset = assets.get(rest === '/' ? '/index.html' : rest);
    if (!asset) return json(response, 404, { error: `no asset ${rest}` });
    response.writeHead(200, { 'content-type': asset.contentType }).end(asset.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${MOUNT}`,
    setSnapshot: (next) => (current = next),
    setService: (detail) => services.set(`${detail.namespace}/${detail.name}`, detail),
    setUnavailable: (value) => (unavailable = value),
    get snapshotRequests() {
      return snapshotRequests;
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
