import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DashboardApi } from './dashboard-api';

/** A static file of the page. */
export interface DashboardAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

/** The page's files by path (`/index.html`, `/app.js`), loaded once. */
export type DashboardAssets = ReadonlyMap<string, DashboardAsset>;

/** Where the admin port serves the dashboard. */
export const DASHBOARD_PATH = '/debug/dashboard/';

const API = `${DASHBOARD_PATH}api/`;
const SERVICE = /^services\/([^/]+)\/([^/]+)$/;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * Serves `/debug/dashboard/…`: the page's files, `api/snapshot` and `api/services/<ns>/<name>`.
 * Mounted on the admin port, so in Kubernetes it sits behind the same review as every `/debug/` path.
 * Read-only: anything but GET and HEAD is refused.
 */
export class DashboardHandler {
  constructor(
    private readonly api: DashboardApi,
    private readonly assets: () => Promise<DashboardAssets>,
  ) {}

  /** Whether a path is the dashboard's (`/debug/dashboard` without the slash redirects to it). */
  static owns(pathname: string): boolean {
    return pathname === DASHBOARD_PATH.slice(0, -1) || pathname.startsWith(DASHBOARD_PATH);
  }

  async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return json(res, 405, { error: `the dashboard is read-only; ${req.method} is not allowed`, code: 'DASHBOARD_READ_ONLY' });
    }
    if (!pathname.startsWith(DASHBOARD_PATH)) {
      res.writeHead(308, { location: DASHBOARD_PATH });
      return void res.end();
    }
    if (pathname.startsWith(API)) return this.serveApi(res, pathname.slice(API.length));
    const file = pathname === DASHBOARD_PATH ? '/index.html' : `/${pathname.slice(DASHBOARD_PATH.length)}`;
    const asset = (await this.assets()).get(file);
    if (!asset) return json(res, 404, { error: `the dashboard has no file ${file}`, code: 'DASHBOARD_NO_SUCH_FILE' });
    res.writeHead(200, { 'content-type': asset.contentType, 'content-length': asset.body.length, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  }

  private async serveApi(res: ServerResponse, rest: string): Promise<void> {
    if (rest === 'snapshot') return json(res, 200, await this.api.snapshot());
    const service = SERVICE.exec(rest);
    if (service) {
      const [namespace, name] = [decodeURIComponent(service[1]!), decodeURIComponent(service[2]!)];
      const detail = await this.api.service(namespace, name);
      if (!detail) return json(res, 404, { error: `the mesh has no MeshService ${namespace}/${name}`, code: 'DASHBOARD_NO_SUCH_SERVICE', fix: 'pick a service node of api/snapshot' });
      return json(res, 200, detail);
    }
    json(res, 404, { error: `no dashboard API ${API}${rest}`, code: 'DASHBOARD_NO_SUCH_API', paths: [`${API}snapshot`, `${API}services/<namespace>/<name>`] });
  }
}
