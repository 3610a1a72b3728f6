import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../../lib/xds';
import { request } from '../../support/http-client';
import { listenerPort, startProxy, type ProxyUnderTest } from '../../support/proxy-harness';
import { UpstreamServer } from '../../support/upstream-server';
import { cluster, duration, endpoints, httpListener, prefix, route, routeConfig, toCluster, virtualHost, withAccessLogs } from '../../support/xds-resources';
import { TestXdsServer } from '../../support/xds-test-server';
import { waitFor } from '../../support/wait';

/** A port nothing listens on: bound, then closed. */
async function deadAddress(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `127.0.0.1:${port}`;
}

describe('resilience', () => {
  let xds: TestXdsServer;
  let proxy: ProxyUnderTest;
  let port: number;
  const upstreams: Record<string, UpstreamServer> = {};
  const pending: (() => void)[] = [];
  let flakyFailures = 0;

  beforeAll(async () => {
    xds = await TestXdsServer.start();
    upstreams['slow'] = await UpstreamServer.start('slow', (_req, res) => {
      pending.push(() => res.end('finally'));
    });
    upstreams['flaky'] = await UpstreamServer.start('flaky', (_req, res) => {
      if (flakyFailures > 0) {
        flakyFailures -= 1;
        res.writeHead(503).end('try again');
        return;
      }
      res.end('recovered');
    });
    upstreams['bad'] = await UpstreamServer.start('bad', (_req, res) => res.writeHead(500).end('broken'));
    upstreams['good'] = await UpstreamServer.start('good');
    upstreams['good2'] = await UpstreamServer.start('good2');
    upstreams['good3'] = await UpstreamServer.start('good3');
    upstreams['reset'] = await UpstreamServer.start('reset', (req) => req.socket.destroy());
    upstreams['stall'] = await UpstreamServer.start('stall', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      pending.push(() => res.end());
    });
    const dead = await deadAddress();
    xds.set(TypeUrl.Cluster, [
      cluster('slow', { circuit_breakers: { thresholds: [{ max_requests: { value: 1 } }] } }),
      cluster('flaky'),
      cluster('reset'),
      cluster('stall'),
      cluster('mixed', { outlier_detection: { consecutive_5xx: { value: 3 }, base_ejection_time: duration(60_000), max_ejection_percent: { value: 50 } } }),
      cluster('half-dead'),
      cluster('dead'),
      cluster('hashed', { lb_policy: 'RING_HASH' }),
    ]);
    xds.set(TypeUrl.ClusterLoadAssignment, [
      endpoints('slow', [upstreams['slow'].address]),
      endpoints('flaky', [upstreams['flaky'].address]),
      endpoints('reset', [upstreams['reset'].address]),
      endpoints('stall', [upstreams['stall'].address]),
      endpoints('mixed', [upstreams['bad'].address, upstreams['good'].address]),
      endpoints('half-dead', [dead, upstreams['good'].address]),
      endpoints('dead', [dead]),
      endpoints('hashed', [upstreams['good'].address, upstreams['good2'].address, upstreams['good3'].address]),
    ]);
    const retry = (on: string, retries: number, extra: object = {}) => ({
      retry_policy: { retry_on: on, num_retries: { value: retries }, retry_back_off: { base_interval: duration(5) }, ...extra },
    });
    xds.set(TypeUrl.RouteConfiguration, [
      routeConfig('80', [
        virtualHost('all', [
          route(prefix('/timeout'), toCluster('slow', { timeout: duration(100) }), { name: 'timeout' }),
          route(prefix('/slow'), toCluster('slow', { timeout: duration(0) }), { name: 'slow' }),
          route(prefix('/retry-enough'), toCluster('flaky', retry('5xx', 3)), { name: 'retry-enough' }),
          route(prefix('/retry-short'), toCluster('flaky', retry('gateway-error', 1)), { name: 'retry-short' }),
          route(prefix('/reset'), toCluster('reset'), { name: 'reset' }),
          route(prefix('/stall'), toCluster('stall', { timeout: duration(150) }), { name: 'stall' }),
          route(prefix('/mixed'), toCluster('mixed'), { name: 'mixed' }),
          route(prefix('/half-dead'), toCluster('half-dead', retry('connect-failure', 2)), { name: 'half-dead' }),
          route(prefix('/dead'), toCluster('dead'), { name: 'dead' }),
          route(prefix('/hashed'), toCluster('hashed', { hash_policy: [{ header: { header_name: 'x-user' } }] }), { name: 'hashed' }),
          route(prefix('/sticky'), toCluster('hashed', { hash_policy: [{ cookie: { name: 'sid', ttl: duration(3_600_000), path: '/' } }] }), { name: 'sticky' }),
        ]),
      ]),
    ]);
    xds.set(TypeUrl.Listener, [withAccessLogs(httpListener('outbound_80', 0, '80'))]);
    proxy = await startProxy(xds);
    port = await listenerPort(proxy.proxy, 'outbound_80');
    await xds.waitForAck(TypeUrl.ClusterLoadAssignment, '1');
    await xds.waitForAck(TypeUrl.RouteConfiguration, '1');
  });

  afterAll(async () => {
    for (const release of pending) release();
    await proxy?.stop();
    await Promise.all([xds?.stop(), ...Object.values(upstreams).map((u) => u.close())]);
  });

  const metrics = async () => (await request(proxy.proxy.adminPort, '/stats/prometheus')).body;

  it('answers 504 when the route timeout expires', async () => {
    const response = await request(port, '/timeout');
    expect(response.status).toBe(504);
    expect(response.headers['x-meshform-error']).toBe('UPSTREAM_TIMEOUT');
    expect(proxy.logs.some((l) => l['route'] === 'timeout' && l['response_flags'] === 'UT')).toBe(true);
  });

  it('resets a response still streaming when the route timeout expires', async () => {
    await expect(request(port, '/stall')).rejects.toThrow();
    await waitFor('the access log', () => proxy.logs.find((l) => l['route'] === 'stall' && String(l['response_flags']).includes('UT')));
  });

  it('retries 5xx answers until one succeeds, and counts the retries', async () => {
    flakyFailures = 2;
    const response = await request(port, '/retry-enough');
    expect(response.status).toBe(200);
    expect(response.body).toBe('recovered');
    expect(await metrics()).toMatch(/meshform_upstream_retries_total\{cluster="flaky"\} 2/);
  });

  it('gives up after num_retries and returns the last upstream answer', async () => {
    flakyFailures = 5;
    const response = await request(port, '/retry-short');
    expect(response.status).toBe(503);
    expect(response.body).toBe('try again');
    flakyFailures = 0;
  });

  it('retries a refused connection on another endpoint', async () => {
    for (let i = 0; i < 6; i++) expect((await request(port, '/half-dead')).status).toBe(200);
  });

  it('answers 503 with a connect-failure flag when the only endpoint refuses', async () => {
    const response = await request(port, '/dead');
    expect(response.status).toBe(503);
    expect(response.headers['x-meshform-error']).toBe('UPSTREAM_CONNECT_FAILURE');
  });

  it('answers 502 when the upstream resets the connection before responding', async () => {
    const response = await request(port, '/reset');
    expect(response.status).toBe(502);
    expect(response.headers['x-meshform-error']).toBe('UPSTREAM_RESET');
  });

  it('refuses at once with 503 when max_requests is reached, and counts the overflow', async () => {
    const before = pending.length;
    const first = request(port, '/slow');
    await waitFor('the first request at the upstream', () => pending.length > before);
    const overflow = await request(port, '/slow');
    expect(overflow.status).toBe(503);
    expect(overflow.headers['x-meshform-error']).toBe('UPSTREAM_OVERFLOW');
    expect(await metrics()).toMatch(/meshform_upstream_overflows_total\{cluster="slow",limit="max_requests"\} 1/);
    pending.pop()!();
    expect((await first).status).toBe(200);
  });

  it('ejects an endpoint after 3 consecutive 5xx and sends the rest to the healthy one', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await request(port, '/mixed')).status);
    expect(statuses.filter((s) => s === 500).length).toBe(3);
    expect(statuses.slice(-20).every((s) => s === 200)).toBe(true);
    expect(await metrics()).toMatch(/meshform_outlier_ejections_total\{cluster="mixed"\} 1/);
    const clusters = JSON.parse((await request(proxy.proxy.adminPort, '/clusters')).body) as { name: string; endpoints: { address: string; ejected: boolean }[] }[];
    const mixed = clusters.find((c) => c.name === 'mixed')!;
    expect(mixed.endpoints.find((e) => e.address === upstreams['bad']!.address)?.ejected).toBe(true);
  });

  it('sets a sticky-session cookie when it is missing, and keeps its holder on one endpoint', async () => {
    const first = await request(port, '/sticky');
    const cookie = String(first.headers['set-cookie']?.[0] ?? '');
    expect(cookie).toMatch(/^sid="[0-9a-f]{16}"; Max-Age=3600; Path=\/; HttpOnly$/);
    const pinned = (JSON.parse(first.body) as { upstream: string }).upstream;
    const sid = cookie.slice(0, cookie.indexOf(';'));
    for (let i = 0; i < 10; i++) {
      const again = await request(port, '/sticky', { headers: { cookie: sid } });
      expect((JSON.parse(again.body) as { upstream: string }).upstream).toBe(pinned);
      expect(again.headers['set-cookie']).toBeUndefined();
    }
  });

  it('keeps a hash key on one endpoint with ring hash', async () => {
    const seen = new Map<string, Set<string>>();
    for (let i = 0; i < 60; i++) {
      const user = `user-${i % 6}`;
      const body = JSON.parse((await request(port, '/hashed', { headers: { 'x-user': user } })).body) as { upstream: string };
      seen.set(user, (seen.get(user) ?? new Set()).add(body.upstream));
    }
    expect([...seen.values()].every((upstreamsOfUser) => upstreamsOfUser.size === 1)).toBe(true);
    expect(new Set([...seen.values()].map((s) => [...s][0])).size).toBeGreaterThan(1);
  });
});
