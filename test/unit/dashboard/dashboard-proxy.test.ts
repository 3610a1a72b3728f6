import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardProxy, localDashboardUrl } from '../../../cli/dashboard-command';
import { writeMeshState } from '../../../runner/mesh-state';

/** A controller admin port that allows the token "debugger" and records what reached it. */
function fakeAdmin(): Promise<{ server: http.Server; port: number; seen: { path: string; authorization?: string }[] }> {
  const seen: { path: string; authorization?: string }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ path: req.url!, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    const allowed = req.headers.authorization === 'Bearer debugger';
    res.writeHead(allowed ? 200 : 403, { 'content-type': 'application/json' });
    res.end(JSON.stringify(allowed ? { nodes: [] } : { code: 'ADMIN_FORBIDDEN' }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, seen })));
}

/** A request to the proxy with the Host header of choice (fetch would not let a test set it). */
function request(port: number, pathname: string, options: { host?: string; method?: string } = {}): Promise<{ status: number; body: string; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method: options.method ?? 'GET', headers: { host: options.host ?? `127.0.0.1:${port}` }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body, ...(res.headers.location ? { location: res.headers.location } : {}) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the dashboard proxy of meshform dashboard --kubernetes', () => {
  let admin: Awaited<ReturnType<typeof fakeAdmin>>;
  const proxies: DashboardProxy[] = [];
  const start = async (authorization: string, port = admin.port) => {
    const proxy = await DashboardProxy.start({ host: '127.0.0.1', port, failure: (err) => new Error(`cannot reach the controller: ${(err as Error).message}`) }, authorization);
    proxies.push(proxy);
    return proxy;
  };
  beforeAll(async () => {
    admin = await fakeAdmin();
  });
  afterAll(async () => {
    for (const p of proxies) await p.close();
    admin.server.close();
  });

  it("passes the dashboard's GETs on with the user's bearer token, and the answer back", async () => {
    const proxy = await start('Bearer debugger');
    expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}/debug/dashboard/`);
    const res = await request(proxy.port, '/debug/dashboard/api/snapshot');
    expect(res).toMatchObject({ status: 200, body: '{"nodes":[]}' });
    expect(admin.seen.at(-1)).toEqual({ path: '/debug/dashboard/api/snapshot', authorization: 'Bearer debugger' });
    expect((await request(proxy.port, '/', { host: `localhost:${proxy.port}` })).location).toBe('/debug/dashboard/');
  });

  it("passes the controller's refusal of the user on", async () => {
    const proxy = await start('Bearer stranger');
    expect(await request(proxy.port, '/debug/dashboard/')).toMatchObject({ status: 403, body: '{"code":"ADMIN_FORBIDDEN"}' });
  });

  it('opens no other path with the token, takes no writes, and answers no Host but its own', async () => {
    const proxy = await start('Bearer debugger');
    const before = admin.seen.length;
    expect(JSON.parse((await request(proxy.port, '/debug/config_dump?proxy=x')).body)).toMatchObject({ code: 'DASHBOARD_PROXY_NOT_DASHBOARD' });
    expect((await request(proxy.port, '/debug/dashboard/api/snapshot', { method: 'POST' })).status).toBe(405);
    const rebound = await request(proxy.port, '/debug/dashboard/api/snapshot', { host: 'evil.example:80' });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toMatchObject({ code: 'DASHBOARD_PROXY_FOREIGN_HOST' });
    expect(admin.seen.length).toBe(before);
  });

  it('answers 502 with the reason when the controller cannot be reached', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = http.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    const proxy = await start('Bearer debugger', closed);
    const res = await request(proxy.port, '/debug/dashboard/api/snapshot');
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'DASHBOARD_PROXY_UPSTREAM', error: expect.stringContaining('cannot reach the controller: connect ECONNREFUSED') });
  });
});

describe('meshform dashboard in local mode', () => {
  it("names the dashboard on the running local mesh's controller, and says how to start one when none runs", () => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-dashboard-'));
    try {
      expect(() => localDashboardUrl(workspace)).toThrow(/no local mesh runs from .*npm start/);
      writeMeshState(workspace, { controllerAdmin: '127.0.20.255:15014', sidecars: [] });
      expect(localDashboardUrl(workspace)).toBe('http://127.0.20.255:15014/debug/dashboard/');
    } finally {
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  });
});
