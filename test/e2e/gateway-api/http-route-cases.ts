import type * as http from 'node:http';
import { expect, it } from 'vitest';
import type { DemoService } from '../../../examples/demo-services';
import { tally } from '../mesh/local-mesh-fixture';

/**
 * The upstream conformance cases (conformance/tests/httproute-*.go, mesh-*.go) that Meshform's
 * features cover, as the rules of one HTTPRoute whose backends are Services echo, echo-v2 and
 * echo-v3 (port 9080): each rule is one case.
 */
const backend = (name: string, weight?: number) => ({ name, port: 9080, ...(weight !== undefined ? { weight } : {}) });
const path = (type: string, value: string) => ({ path: { type, value } });
export const CONFORMANCE_RULES = [
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

/** How a suite reaches the route under test. */
export interface RouteTarget {
  send(pathAndQuery: string, headers?: Record<string, string>, method?: string): Promise<{ status: number; servedBy: string | undefined; body: string; headers: http.IncomingHttpHeaders }>;
  /** The demo application of a backend service. */
  app(service: string): DemoService;
  /** Where the RequestRedirect case must point: with no port in the filter the request's port is kept. */
  readonly redirectLocation: string;
}

/** Registers one test per conformance case of {@link CONFORMANCE_RULES}, sent through `target` (called inside a describe). */
export function conformanceCases(target: () => RouteTarget): void {
  const send = (...args: Parameters<RouteTarget['send']>) => target().send(...args);
  const servedBy = async (pathAndQuery: string, headers: Record<string, string> = {}, method = 'GET') => (await send(pathAndQuery, headers, method)).servedBy;
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
    const r = await send('/echo', { 'x-set': 'original', 'x-add': 'first', 'x-remove': 'gone' });
    const headers = (JSON.parse(r.body) as { headers: Record<string, string> }).headers;
    expect(headers['x-set']).toBe('set-value');
    // Node joins the two values of a repeated header.
    expect(headers['x-add']).toBe('first, added');
    expect(headers['x-remove']).toBeUndefined();
  });

  it('sets and adds response headers (ResponseHeaderModifier)', async () => {
    const r = await send('/response');
    expect(r.headers['x-header-set']).toBe('set');
    expect(r.headers['x-header-add']).toBe('added');
  });

  it('redirects with the host, path and status code of a RequestRedirect filter', async () => {
    const r = await send('/redirect/x');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(target().redirectLocation);
    expect(r.servedBy).toBeUndefined();
  });

  it('rewrites the path prefix and the full path (URLRewrite)', async () => {
    expect(JSON.parse((await send('/rewrite/abc')).body)).toMatchObject({ path: '/rewritten/abc' });
    expect(JSON.parse((await send('/full/abc')).body)).toMatchObject({ path: '/replaced' });
  });

  it('answers 504 when the backend takes longer than timeouts.request', async () => {
    const slow = target().app('echo-v3');
    slow.setKnobs({ latencyMs: 3_000 });
    try {
      expect((await send('/timeout')).status).toBe(504);
    } finally {
      slow.setKnobs({ latencyMs: 0 });
    }
    expect((await send('/timeout')).status).toBe(200);
  });
}
