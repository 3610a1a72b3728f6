import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminAuthorizer } from '../../../controller/admin-authorizer';
import { AdminServer } from '../../../controller/admin-server';
import { Controller } from '../../../controller/controller';
import { DashboardApi, DashboardCollector, DashboardHandler, type TrafficSource } from '../../../controller/dashboard';
import type { DashboardSnapshot, ServiceDetail } from '../../../lib/dashboard';
import { requests, shopResources, shopWorkloads } from './dashboard-fixtures';

const log = pino({ level: 'silent' });

/** Allows the token "debugger", refuses "intruder" (403) and anyone without a token (401), as the API server's reviews would. */
const authorizer: AdminAuthorizer = {
  authorize: async (authorization) => {
    if (authorization === undefined) return { allowed: false, status: 401, code: 'ADMIN_UNAUTHENTICATED', message: 'no token' };
    return authorization === 'Bearer debugger' ? { allowed: true, user: 'debugger' } : { allowed: false, status: 403, code: 'ADMIN_FORBIDDEN', message: 'may not debug' };
  },
} as AdminAuthorizer;

/** Traffic of one window: web → reviews v1 at 2 requests per second. */
class CountingSource implements TrafficSource {
  readonly kind = 'sidecars';
  readonly detail = 'test sidecars';
  collects = 0;
  async collect() {
    this.collects += 1;
    return { seconds: 3, rates: [{ namespace: 'shop', name: 'reviews-v1-0', samples: [requests('inbound', { source_workload: 'web', response_code: '200' }, 2)] }] };
  }
}

const assets = new Map([['/index.html', { contentType: 'text/html; charset=utf-8', body: Buffer.from('<!doctype html><title>Meshform</title>') }]]);

describe('the dashboard on the admin port', () => {
  const source = new CountingSource();
  const controller = new Controller({ log, xds: { host: '127.0.0.1', port: 0 } });
  const collector = new DashboardCollector({ source, resources: shopResources, workloads: () => shopWorkloads, gateways: () => [], log });
  const api = new DashboardApi(collector, { proxies: () => [], canaryStatus: () => undefined, canaryHistory: () => [] });
  const admin = new AdminServer(controller, { ready: () => true, sourceProblems: () => ({}), canaries: () => ({}) }, authorizer, new DashboardHandler(api, async () => assets));
  let base = '';
  const get = (path: string, token?: string, method = 'GET') => fetch(`${base}${path}`, { method, redirect: 'manual', headers: token ? { authorization: `Bearer ${token}` } : {} });

  beforeAll(async () => {
    base = `http://127.0.0.1:${await admin.listen('127.0.0.1', 0)}`;
  });
  afterAll(async () => {
    collector.stop();
    await admin.close();
  });

  it('answers 401 without a token and 403 to a user the review refuses, on the page and the API alike, and collects nothing for them', async () => {
    for (const path of ['/debug/dashboard', '/debug/dashboard/', '/debug/dashboard/api/snapshot', '/debug/dashboard/api/services/shop/reviews']) {
      const anonymous = await get(path);
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="meshform-controller"');
      expect((await get(path, 'intruder')).status, path).toBe(403);
    }
    expect(source.collects).toBe(0);
    expect(collector.active).toBe(false);
  });

  it('serves the snapshot to an allowed user: every service, the edge with traffic, and where the figures came from', async () => {
    const res = await get('/debug/dashboard/api/snapshot', 'debugger');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const snapshot = (await res.json()) as DashboardSnapshot;
    expect(snapshot.source).toEqual({ kind: 'sidecars', detail: 'test sidecars' });
    expect(snapshot.windowSeconds).toBe(3);
    expect(snapshot.namespaces).toEqual(['shop']);
    expect(snapshot.nodes.filter((n) => n.kind === 'service').map((n) => n.id)).toEqual(['shop/reviews', 'shop/web']);
    expect(snapshot.edges).toEqual([expect.objectContaining({ id: 'shop/web->shop/reviews/v1', mtls: true, signals: { rps: 2, successRate: 1, p99Ms: null } })]);
    expect(collector.active).toBe(true);
  });

  it("serves a service's detail with its series, and 404 with a code for a service the mesh lacks", async () => {
    const detail = (await (await get('/debug/dashboard/api/services/shop/reviews', 'debugger')).json()) as ServiceDetail;
    expect(detail).toMatchObject({ namespace: 'shop', name: 'reviews', routes: [], policies: [expect.objectContaining({ kind: 'JwtPolicy', applies: true })] });
    expect(detail.series.rps.length).toBeGreaterThan(0);
    expect(detail.series.rps.at(-1)).toBe(2);
    const missing = await get('/debug/dashboard/api/services/shop/nope', 'debugger');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'DASHBOARD_NO_SUCH_SERVICE' });
  });

  it('serves the page from its files, redirects the bare path to it, and refuses writes', async () => {
    const page = await get('/debug/dashboard/', 'debugger');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<title>Meshform</title>');
    expect((await get('/debug/dashboard', 'debugger')).headers.get('location')).toBe('/debug/dashboard/');
    expect(await (await get('/debug/dashboard/nope.js', 'debugger')).json()).toMatchObject({ code: 'DASHBOARD_NO_SUCH_FILE' });
    const post = await get('/debug/dashboard/api/snapshot', 'debugger', 'POST');
    expect(post.status).toBe(405);
    expect(await post.json()).toMatchObject({ code: 'DASHBOARD_READ_ONLY' });
  });
});
