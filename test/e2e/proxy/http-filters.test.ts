import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../../lib/xds';
import { request } from '../../support/http-client';
import { listenerPort, startProxy, type ProxyUnderTest } from '../../support/proxy-harness';
import { UpstreamServer } from '../../support/upstream-server';
import { cluster, duration, endpoints, httpFilter, httpListener, prefix, route, routeConfig, toCluster, virtualHost, withAccessLogs } from '../../support/xds-resources';
import { TestXdsServer } from '../../support/xds-test-server';
import { waitFor } from '../../support/wait';

const percent = (numerator: number) => ({ numerator, denominator: 'HUNDRED' });

describe('HTTP filters', () => {
  let xds: TestXdsServer;
  let proxy: ProxyUnderTest;
  let app: UpstreamServer;
  let shadow: UpstreamServer;
  let port: number;
  let token: (claims: Record<string, unknown>, issuer?: string) => Promise<string>;
  let jwksServer: http.Server;
  let jwksFetches = 0;
  const shadowHeld: (() => void)[] = [];

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    jwksServer = http.createServer((_req, res) => {
      jwksFetches += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
    token = (claims, issuer = 'https://issuer.test') =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(issuer).setAudience('web').setExpirationTime('5m').sign(privateKey);
    xds = await TestXdsServer.start();
    app = await UpstreamServer.start('app');
    // The shadow never answers until the test ends: the caller must not wait for it.
    shadow = await UpstreamServer.start('shadow', (_req, res) => shadowHeld.push(() => res.end()));
    xds.set(TypeUrl.Cluster, [cluster('app'), cluster('shadow')]);
    xds.set(TypeUrl.ClusterLoadAssignment, [endpoints('app', [app.address]), endpoints('shadow', [shadow.address])]);
    xds.set(TypeUrl.RouteConfiguration, [
      routeConfig('80', [
        virtualHost('all', [
          route(prefix('/fault-abort'), toCluster('app'), {
            typed_per_filter_config: { 'envoy.filters.http.fault': { '@type': TypeUrl.HttpFault, abort: { http_status: 418, percentage: percent(100) } } },
          }),
          route(prefix('/fault-delay'), toCluster('app'), {
            typed_per_filter_config: { 'envoy.filters.http.fault': { '@type': TypeUrl.HttpFault, delay: { fixed_delay: duration(150), percentage: percent(100) } } },
          }),
          route(prefix('/limited'), toCluster('app'), {
            typed_per_filter_config: {
              'envoy.filters.http.local_ratelimit': {
                '@type': TypeUrl.LocalRateLimit,
                stat_prefix: 'limited',
                token_bucket: { max_tokens: 2, tokens_per_fill: { value: 1 }, fill_interval: duration(60_000) },
                filter_enabled: { default_value: percent(100) },
                filter_enforced: { default_value: percent(100) },
              },
            },
          }),
          route(prefix('/mirrored'), toCluster('app', { request_mirror_policies: [{ cluster: 'shadow', runtime_fraction: { default_value: percent(100) } }] })),
          route(prefix('/'), toCluster('app')),
        ]),
      ]),
    ]);
    const jwks = JSON.stringify({ keys: [jwk] });
    xds.set(TypeUrl.Listener, [
      withAccessLogs(httpListener('outbound_80', 0, '80', [
        httpFilter('envoy.filters.http.jwt_authn', TypeUrl.JwtAuthentication, {
          providers: {
            issuer: { issuer: 'https://issuer.test', audiences: ['web'], local_jwks: { inline_string: jwks }, forward: true },
            cookie: { issuer: 'https://issuer.test', local_jwks: { inline_string: jwks }, from_cookies: ['session'], claim_to_headers: [{ header_name: 'x-jwt-sub', claim_name: 'sub' }] },
            remote: { issuer: 'https://issuer.test', remote_jwks: { http_uri: { uri: jwksUri, cluster: 'jwks', timeout: { seconds: 1 } }, cache_duration: { seconds: 300 } } },
          },
          rules: [
            { match: { prefix: '/remote' }, requires: { provider_name: 'remote' } },
            { match: { prefix: '/cookie' }, requires: { provider_name: 'cookie' } },
            { match: { prefix: '/secure' }, requires: { provider_name: 'issuer' } },
            { match: { prefix: '/optional' }, requires: { requires_any: { requirements: [{ provider_name: 'issuer' }, { allow_missing: {} }] } } },
          ],
        }),
        httpFilter('envoy.filters.http.rbac', TypeUrl.Rbac, {
          rules: {
            action: 'DENY',
            policies: { 'no-admin': { permissions: [{ url_path: { path: { prefix: '/admin' } } }], principals: [{ any: true }] } },
          },
        }),
        httpFilter('envoy.filters.http.rbac', TypeUrl.Rbac, {
          rules: {
            action: 'ALLOW',
            policies: {
              'everyone-but-mallory': { permissions: [{ any: true }], principals: [{ not_id: { header: { name: 'x-user', string_match: { exact: 'mallory' } } } }] },
              'admins-only-secure': {
                permissions: [{ url_path: { path: { prefix: '/secure/admin' } } }],
                principals: [{ metadata: { filter: 'envoy.filters.http.jwt_authn', path: [{ key: 'payload' }, { key: 'role' }], value: { string_match: { exact: 'admin' } } } }],
              },
            },
          },
        }),
        httpFilter('envoy.filters.http.local_ratelimit', TypeUrl.LocalRateLimit, { stat_prefix: 'listener' }),
        httpFilter('envoy.filters.http.fault', TypeUrl.HttpFault, {}),
      ])),
    ]);
    proxy = await startProxy(xds);
    port = await listenerPort(proxy.proxy, 'outbound_80');
    await xds.waitForAck(TypeUrl.ClusterLoadAssignment, '1');
    await xds.waitForAck(TypeUrl.RouteConfiguration, '1');
  });

  afterAll(async () => {
    for (const release of shadowHeld) release();
    jwksServer?.close();
    await proxy?.stop();
    await Promise.all([xds?.stop(), app?.close(), shadow?.close()]);
  });

  it('aborts with the configured status when the route injects an abort fault', async () => {
    const response = await request(port, '/fault-abort');
    expect(response.status).toBe(418);
    expect(response.body).toContain('fault filter abort');
    expect(app.received.some((r) => r.url === '/fault-abort')).toBe(false);
  });

  it('delays the request when the route injects a delay fault, then forwards it', async () => {
    const response = await request(port, '/fault-delay');
    expect(response.status).toBe(200);
    expect(proxy.logs.find((l) => l['path'] === '/fault-delay')?.['response_flags']).toBe('DI');
  });

  it('answers 429 with a clear body once the route token bucket is empty', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await request(port, '/limited'));
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(statuses[2]!.body).toContain('local rate limit exceeded');
  });

  it('mirrors a copy to the shadow cluster without waiting for it', async () => {
    const response = await request(port, '/mirrored', { method: 'POST', body: 'payload', headers: { host: 'app:80', 'content-type': 'text/plain' } });
    expect(response.status).toBe(200);
    await waitFor('the shadow copy', () => shadow.received.find((r) => r.url === '/mirrored'));
    const copy = shadow.received.find((r) => r.url === '/mirrored')!;
    expect(copy.headers.host).toBe('app-shadow:80');
    expect(copy.body).toBe('payload');
  });

  it('denies by a DENY policy before any ALLOW policy is considered', async () => {
    const response = await request(port, '/admin/panel');
    expect(response.status).toBe(403);
    expect(response.body).toContain('RBAC: access denied');
  });

  it('denies a caller that no ALLOW policy matches', async () => {
    expect((await request(port, '/public', { headers: { 'x-user': 'mallory' } })).status).toBe(403);
    expect((await request(port, '/public', { headers: { 'x-user': 'alice' } })).status).toBe(200);
  });

  it('answers 401 when a required JWT is missing or invalid, and forwards a valid one', async () => {
    const missing = await request(port, '/secure/data');
    expect(missing.status).toBe(401);
    expect(missing.body).toContain('Jwt is missing');
    const forged = await request(port, '/secure/data', { headers: { authorization: `Bearer ${await token({ sub: 'a' }, 'https://evil.test')}` } });
    expect(forged.status).toBe(401);
    const ok = await request(port, '/secure/data', { headers: { authorization: `Bearer ${await token({ sub: 'alice' })}` } });
    expect(ok.status).toBe(200);
  });

  it('verifies tokens against a fetched JWKS and caches the keys', async () => {
    const first = await request(port, '/remote/a', { headers: { authorization: `Bearer ${await token({ sub: 'alice' })}` } });
    const second = await request(port, '/remote/b', { headers: { authorization: `Bearer ${await token({ sub: 'bob' })}` } });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(jwksFetches).toBe(1);
    expect((await request(port, '/remote/c')).status).toBe(401);
  });

  it('reads a token from a cookie and hands verified claims to the application, never forged ones', async () => {
    const forged = await request(port, '/cookie/x', { headers: { 'x-jwt-sub': 'root' } });
    expect(forged.status).toBe(401);
    const ok = await request(port, '/cookie/x', { headers: { cookie: `session=${await token({ sub: 'carol' })}`, 'x-jwt-sub': 'root' } });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).headers['x-jwt-sub']).toBe('carol');
  });

  it('lets a request without a token through where the token is optional, but not an invalid one', async () => {
    expect((await request(port, '/optional')).status).toBe(200);
    expect((await request(port, '/optional', { headers: { authorization: 'Bearer not.a.jwt' } })).status).toBe(401);
  });

  it('gives the JWT claims to authorization', async () => {
    const user = await request(port, '/secure/admin', { headers: { authorization: `Bearer ${await token({ sub: 'bob', role: 'user' })}`, 'x-user': 'mallory' } });
    expect(user.status).toBe(403);
    const admin = await request(port, '/secure/admin', { headers: { authorization: `Bearer ${await token({ sub: 'eve', role: 'admin' })}`, 'x-user': 'mallory' } });
    expect(admin.status).toBe(200);
  });
});
