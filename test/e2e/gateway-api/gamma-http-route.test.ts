import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalMesh } from '../../../runner';
import { call, ratingsClient, service, startMesh, tally, type RatingsClient } from '../mesh/local-mesh-fixture';
import { gatewayApiObject } from './gateway-api-objects';

// The upstream conformance cases (conformance/tests/httproute-*.go, mesh-*.go) that Meshform's
// features cover, written as one GAMMA HTTPRoute on Service echo: each rule is one case.
const backend = (name: string, weight?: number) => ({ name, port: 9080, ...(weight !== undefined ? { weight } : {}) });
const path = (type: string, value: string) => ({ path: { type, value } });
const rules = [
  { matches: [path('Exact', '/exact')], backendRefs: [backend('echo-v2')] },
  { matches: [path('PathPrefix', '/prefix')], backendRefs: [backend('echo-v3')] },
  { matches: [path('RegularExpression', '/regex/[0-9]+')], backendRefs: [backend('echo-v2')] },
  { matches: [{ headers: [{ name: 'version', value: 'two' }] }], backendRefs: [backend('echo-v2')] },
  { matches: [{ queryParams: [{ name: 'animal', value: 'whale' }] }], backendRefs: [backend('echo-v3')] },
  { matches: [{ ...path('Exact', '/method'), method: 'POST' }], backendRefs: [backend('echo-v2')] },
  { matches: [path('PathPrefix', '/weights')], backendRefs: [backend('echo', 70), backend('echo-v2', 30)] },
  {
    matches: [path('Exact', '/echo')],
    filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Set', value: 'set-value' }], add: [{ name: 'X-Add', value: 'added' }], remove: ['X-Remove'] } }],
    backendRefs: [backend('echo')],
  },
  { matches: [path('PathPrefix', '/response')], filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'X-Header-Set', value: 'set' }], add: [{ name: 'X-Header-Add', value: 'added' }] } }], backendRefs: [backend('echo')] },
  { matches: [path('PathPrefix', '/redirect')], filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'example.org', statusCode: 301, path: { type: 'ReplaceFullPath', replaceFullPath: '/moved' } } }] },
  { matches: [path('PathPrefix', '/rewrite')], filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/rewritten' } } }], backendRefs: [backend('echo')] },
  { matches: [path('PathPrefix', '/full')], filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/replaced' } } }], backendRefs: [backend('echo')] },
  { matches: [path('PathPrefix', '/timeout')], timeouts: { request: '300ms' }, backendRefs: [backend('echo-v3')] },
  { backendRefs: [backend('echo')] },
];

let mesh: LocalMesh;
let ratings: RatingsClient;
beforeAll(async () => {
  ({ mesh } = await startMesh((chart) => {
    for (const name of ['echo', 'echo-v2', 'echo-v3']) service(chart, name);
    service(chart, 'ratings', [], { ports: [{ port: 9080, protocol: 'http' }, { port: 9090, protocol: 'grpc' }] });
    service(chart, 'ratings-b', [], { ports: [{ port: 9080, protocol: 'http' }, { port: 9090, protocol: 'grpc' }] });
    gatewayApiObject(chart, 'HTTPRoute', 'echo', { parentRefs: [{ group: '', kind: 'Service', name: 'echo', port: 9080 }], rules });
    gatewayApiObject(chart, 'GRPCRoute', 'ratings', {
      parentRefs: [{ group: '', kind: 'Service', name: 'ratings', port: 9090 }],
      rules: [{ matches: [{ method: { service: 'meshform.demo.Ratings', method: 'GetRating' } }], backendRefs: [{ name: 'ratings-b', port: 9090 }] }],
    });
  }));
  ratings = ratingsClient(mesh, 'ratings', 9090);
}, 90_000);
afterAll(async () => {
  ratings?.close();
  await mesh?.stop();
});

const servedBy = async (pathAndQuery: string, headers: Record<string, string> = {}, method = 'GET') => (await call(mesh, 'echo', pathAndQuery, headers, method)).servedBy;

describe('GAMMA: an HTTPRoute with a Service parent routes east-west traffic', () => {
  it('matches an exact path, and nothing longer', async () => {
    expect(await servedBy('/exact')).toBe('echo-v2-0');
    expect(await servedBy('/exact/more')).toBe('echo-0');
  });

  it('matches a path prefix by whole segments', async () => {
    expect(await servedBy('/prefix')).toBe('echo-v3-0');
    expect(await servedBy('/prefix/one')).toBe('echo-v3-0');
    expect(await servedBy('/prefixone')).toBe('echo-0');
  });

  it('matches a regular expression path', async () => {
    expect(await servedBy('/regex/123')).toBe('echo-v2-0');
    expect(await servedBy('/regex/abc')).toBe('echo-0');
  });

  it('matches a header, a query parameter and a method', async () => {
    expect(await servedBy('/', { version: 'two' })).toBe('echo-v2-0');
    expect(await servedBy('/', { version: 'three' })).toBe('echo-0');
    expect(await servedBy('/?animal=whale')).toBe('echo-v3-0');
    expect(await servedBy('/?animal=dolphin')).toBe('echo-0');
    expect(await servedBy('/method', {}, 'POST')).toBe('echo-v2-0');
    expect(await servedBy('/method', {}, 'GET')).toBe('echo-0');
  });

  it('splits 70/30 by backendRef weight (1000 requests, share of echo-v2 within 0.2–0.4)', async () => {
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => servedBy(`/weights/${i}`)));
    const counts = tally(results);
    expect([...counts.keys()].sort()).toEqual(['echo-0', 'echo-v2-0']);
    const share = (counts.get('echo-v2-0') ?? 0) / 1000;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.4);
  });

  it('sets, adds and removes request headers (RequestHeaderModifier)', async () => {
    const r = await call(mesh, 'echo', '/echo', { 'x-set': 'original', 'x-add': 'first', 'x-remove': 'gone' });
    const headers = (JSON.parse(r.body) as { headers: Record<string, string> }).headers;
    expect(headers['x-set']).toBe('set-value');
    // Node joins the two values of a repeated header.
    expect(headers['x-add']).toBe('first, added');
    expect(headers['x-remove']).toBeUndefined();
  });

  it('sets and adds response headers (ResponseHeaderModifier)', async () => {
    const r = await call(mesh, 'echo', '/response');
    expect(r.headers['x-header-set']).toBe('set');
    expect(r.headers['x-header-add']).toBe('added');
  });

  it('redirects with the host, path and status code of a RequestRedirect filter', async () => {
    const r = await call(mesh, 'echo', '/redirect/x');
    expect(r.status).toBe(301);
    // No port in the filter: the Gateway API keeps the listener's (here the service's) port.
    expect(r.headers.location).toBe('http://example.org:9080/moved');
    expect(r.servedBy).toBeUndefined();
  });

  it('rewrites the path prefix and the full path (URLRewrite)', async () => {
    expect(JSON.parse((await call(mesh, 'echo', '/rewrite/abc')).body)).toMatchObject({ path: '/rewritten/abc' });
    expect(JSON.parse((await call(mesh, 'echo', '/full/abc')).body)).toMatchObject({ path: '/replaced' });
  });

  it('answers 504 when the backend takes longer than timeouts.request', async () => {
    const slow = mesh.of('echo-v3')[0]!.app;
    slow.setKnobs({ latencyMs: 3_000 });
    try {
      expect((await call(mesh, 'echo', '/timeout')).status).toBe(504);
    } finally {
      slow.setKnobs({ latencyMs: 0 });
    }
    expect((await call(mesh, 'echo', '/timeout')).status).toBe(200);
  });
});

describe('GAMMA: a GRPCRoute with a Service parent', () => {
  it('sends the method it matches to the backend it names', async () => {
    const { error, reply } = await new Promise<{ error: grpc.ServiceError | null; reply?: { servedBy: string } }>((resolve) => ratings.getRating({ productId: '7' }, (e, r) => resolve({ error: e, reply: r })));
    expect(error).toBeNull();
    expect(reply?.servedBy).toBe('ratings-b-0');
  });
});
