import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../../lib/xds';
import { request } from '../../support/http-client';
import { listenerPort, startProxy, type ProxyUnderTest } from '../../support/proxy-harness';
import { UpstreamServer } from '../../support/upstream-server';
import { cluster, endpoints, httpListener, prefix, route, routeConfig, toCluster, virtualHost, withAccessLogs } from '../../support/xds-resources';
import { TestXdsServer } from '../../support/xds-test-server';

describe('HTTP routing through the proxy', () => {
  let xds: TestXdsServer;
  let proxy: ProxyUnderTest;
  let v1: UpstreamServer;
  let v2: UpstreamServer;
  let port: number;

  beforeAll(async () => {
    xds = await TestXdsServer.start();
    v1 = await UpstreamServer.start('v1');
    v2 = await UpstreamServer.start('v2');
    xds.set(TypeUrl.Cluster, [cluster('v1'), cluster('v2')]);
    xds.set(TypeUrl.ClusterLoadAssignment, [endpoints('v1', [v1.address]), endpoints('v2', [v2.address])]);
    xds.set(TypeUrl.RouteConfiguration, [
      routeConfig('8080', [
        virtualHost(
          'reviews',
          [
            route({ path: '/exact' }, toCluster('v2'), { name: 'exact' }),
            route(prefix('/', { headers: [{ name: 'x-version', string_match: { exact: 'v2' } }] }), toCluster('v2'), { name: 'by-header' }),
            route(prefix('/', { headers: [{ name: 'cookie', safe_regex_match: { regex: '.*user=jason.*' } }] }), toCluster('v2'), { name: 'by-cookie' }),
            route(prefix('/', { query_parameters: [{ name: 'canary', present_match: true }] }), toCluster('v2'), { name: 'by-query' }),
            route(prefix('/', { headers: [{ name: ':method', string_match: { exact: 'DELETE' } }] }), { direct_response: { status: 405, body: { inline_string: 'no deletes' } } }),
            route({ safe_regex: { regex: '/users/[0-9]+' } }, toCluster('v1', { regex_rewrite: { pattern: { regex: '^/users/([0-9]+)$' }, substitution: '/u/\\1' } }), { name: 'regex' }),
            route(prefix('/old'), { redirect: { path_redirect: '/new', response_code: 'FOUND' } }),
            route(prefix('/api'), toCluster('v1', { prefix_rewrite: '/v1/api' }), {
              name: 'rewrite',
              request_headers_to_add: [{ header: { key: 'x-added', value: 'yes' } }],
              request_headers_to_remove: ['x-secret'],
              response_headers_to_add: [{ header: { key: 'x-route', value: 'rewrite' } }],
            }),
            route(prefix('/split'), { route: { weighted_clusters: { clusters: [{ name: 'v1', weight: { value: 80 } }, { name: 'v2', weight: { value: 20 } }] } } }),
            route(prefix('/', { headers: [{ name: 'x-no-such', present_match: true, invert_match: true }] }), toCluster('v1'), { name: 'default' }),
          ],
          ['reviews', 'reviews:8080'],
        ),
      ]),
    ]);
    xds.set(TypeUrl.Listener, [withAccessLogs(httpListener('outbound_8080', 0, '8080'))]);
    proxy = await startProxy(xds);
    port = await listenerPort(proxy.proxy, 'outbound_8080');
    await xds.waitForAck(TypeUrl.RouteConfiguration, '1');
    await xds.waitForAck(TypeUrl.ClusterLoadAssignment, '1');
  });

  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([xds?.stop(), v1?.close(), v2?.close()]);
  });

  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    request(port, path, { method, headers: { host: 'reviews:8080', ...headers } });

  it('routes by the first matching rule: exact path, header, cookie regex, query parameter', async () => {
    expect((await get('/exact')).headers['x-upstream']).toBe('v2');
    expect((await get('/exactly')).headers['x-upstream']).toBe('v1');
    expect((await get('/any', { 'x-version': 'v2' })).headers['x-upstream']).toBe('v2');
    expect((await get('/any', { cookie: 'theme=dark; user=jason' })).headers['x-upstream']).toBe('v2');
    expect((await get('/any?canary')).headers['x-upstream']).toBe('v2');
    expect((await get('/any')).headers['x-upstream']).toBe('v1');
  });

  it('answers a direct response for a method match', async () => {
    const response = await get('/anything', {}, 'DELETE');
    expect(response.status).toBe(405);
    expect(response.body).toBe('no deletes');
  });

  it('rewrites paths by regex and by prefix, and adds and removes headers', async () => {
    const regex = JSON.parse((await get('/users/42')).body);
    expect(regex.url).toBe('/u/42');
    const response = await get('/api/items?x=1', { 'x-secret': 'hide' });
    const seen = JSON.parse(response.body);
    expect(seen.url).toBe('/v1/api/items?x=1');
    expect(seen.headers['x-added']).toBe('yes');
    expect(seen.headers['x-secret']).toBeUndefined();
    expect(seen.headers['x-request-id']).toMatch(/[0-9a-f-]{36}/);
    expect(response.headers['x-route']).toBe('rewrite');
  });

  it('redirects with the configured code and location', async () => {
    const response = await get('/old?q=1');
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('http://reviews:8080/new?q=1');
  });

  it('splits traffic by weight within a tolerance', async () => {
    const counts = { v1: 0, v2: 0 };
    for (let i = 0; i < 400; i++) counts[(await get('/split')).headers['x-upstream'] as 'v1' | 'v2'] += 1;
    // 80/20 of 400: expected v2 = 80, 4.5 standard deviations is ±36.
    expect(counts.v2).toBeGreaterThan(44);
    expect(counts.v2).toBeLessThan(116);
  });

  it('answers 404 saying no route matched for an unknown host', async () => {
    const response = await request(port, '/x', { headers: { host: 'ratings:9090' } });
    expect(response.status).toBe(404);
    expect(response.body).toContain('no route matched');
    expect(response.headers['x-meshform-error']).toBe('NO_ROUTE');
  });

  it('writes an access log line with request id, route, upstream and flags', async () => {
    await get('/api/log-me', { 'x-request-id': 'req-123' });
    await request(port, '/x', { headers: { host: 'nowhere' } });
    const lines = proxy.logs.filter((line) => line['event'] === 'access');
    const ok = lines.find((line) => line['request_id'] === 'req-123');
    expect(ok).toMatchObject({ route: 'rewrite', cluster: 'v1', upstream_host: v1.address, response_code: 200, response_flags: '-' });
    expect(lines.some((line) => line['response_code'] === 404 && line['response_flags'] === 'NR')).toBe(true);
  });
});
