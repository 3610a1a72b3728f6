import { describe, expect, it } from 'vitest';
import { parseResource, type MeshResource } from '../../../lib';
import { exportToIstio, importObjects } from '../../../lib/migrate';

/** A small seeded PRNG (mulberry32), so a failing case can be replayed by its seed. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  const maybe = <T>(value: () => T, p = 0.5): T | undefined => (next() < p ? value() : undefined);
  const some = <T>(min: number, max: number, item: (i: number) => T): T[] => Array.from({ length: int(min, max) }, (_, i) => item(i));
  return { int, pick, maybe, some };
}

const DURATIONS = ['100ms', '250ms', '1s', '2s', '10s', '1m'];

/** Splits 100 into n whole-percent weights. */
function weights(r: ReturnType<typeof random>, n: number): number[] {
  const cuts = Array.from({ length: n - 1 }, () => r.int(0, 100)).sort((a, b) => a - b);
  return [...cuts, 100].map((c, i) => c - (i === 0 ? 0 : cuts[i - 1]!));
}

/**
 * A random mesh of the kinds export and import both carry: services with versions, an external
 * service, a route per service, traffic, mTLS, access and JWT policies; only values each side can
 * say (see docs/migration.md for what does not round-trip).
 */
function generateMesh(seed: number): MeshResource[] {
  const r = random(seed);
  const ns = r.pick(['shop', 'bookinfo']);
  const meta = (name: string, namespace = ns) => ({ name, namespace });
  const M = 'meshform.dev/v1alpha1';
  const services = r.some(1, 3, (i) => ({
    name: `svc${i}`,
    ports: r.some(1, 2, (j) => ({ port: 8000 + i * 10 + j, protocol: r.pick(['http', 'http2', 'grpc'] as const), ...(r.maybe(() => true) ? { name: `p${j}` } : {}), ...(r.maybe(() => true, 0.3) ? { targetPort: 9500 + j } : {}) })),
    versions: r.some(0, 3, (j) => ({ name: `v${j + 1}`, labels: { version: `v${j + 1}` } })),
  }));
  const external = { name: 'payments', host: 'api.payments.example.com' };
  const objects: unknown[] = [];
  for (const s of services) {
    objects.push({
      apiVersion: M,
      kind: 'MeshService',
      metadata: meta(s.name),
      spec: {
        selector: { app: s.name },
        ports: s.ports,
        versions: s.versions,
        ...(r.maybe(() => true) ? { serviceAccount: `sa-${s.name}` } : {}),
        ...(r.maybe(() => true) ? { calls: [{ name: external.name }] } : {}),
        ...(r.maybe(() => true, 0.2) ? { sidecar: { inject: false } } : {}),
        ...(r.maybe(() => true, 0.3) ? { replicas: r.int(0, 5) } : {}),
      },
    });
  }
  const static_ = r.maybe(() => true) === true;
  objects.push({
    apiVersion: M,
    kind: 'ExternalService',
    metadata: meta(external.name),
    spec: {
      hosts: [external.host],
      ports: [{ port: 443, protocol: 'https', ...(r.maybe(() => true) ? { name: 'tls-api' } : {}) }],
      resolution: static_ ? 'STATIC' : 'DNS',
      endpoints: static_ ? [{ address: '203.0.113.7', port: 8443 }] : [],
      tls: r.maybe(() => true) ? { mode: 'ORIGINATE', sni: external.host } : { mode: 'NONE' },
    },
  });
  for (const s of services) {
    const port = r.maybe(() => s.ports[0]!.port, 0.3);
    const rules = r.some(1, 4, (i) => {
      const matches = r.some(1, 2, () => ({
        ...(r.maybe(() => true) ? { path: { type: r.pick(['Exact', 'Prefix', 'RegularExpression'] as const), value: `/p${r.int(0, 9)}`, ignoreCase: r.maybe(() => true) === true } } : {}),
        ...(r.maybe(() => true, 0.3) ? { method: r.pick(['GET', 'POST'] as const) } : {}),
        // Istio keeps matched and inverted headers in two maps: inverted ones come back last.
        headers: r
          .some(1, 2, (h) => ({ name: `x-h${h}`, ...r.pick([{ type: 'Exact', value: 'a' }, { type: 'Prefix', value: 'b' }, { type: 'RegularExpression', value: '^c.*' }, { type: 'Present' }] as const), invert: r.maybe(() => true, 0.2) === true }))
          .sort((a, b) => Number(a.invert) - Number(b.invert)),
        cookies: r.maybe(() => [{ name: 'user', type: 'Exact' as const, value: 'premium' }], 0.3) ?? [],
        queryParams: r.maybe(() => [{ name: 'test', ...r.pick([{ type: 'Exact', value: 'true' }, { type: 'RegularExpression', value: '^t' }, { type: 'Present' }] as const) }], 0.3) ?? [],
      }));
      return { name: `rule-${i}`, matches, ...action(r, s, services, external.name) };
    });
    rules.push({ name: 'default', matches: [], ...action(r, s, services, external.name, true) });
    objects.push({ apiVersion: M, kind: 'TrafficRoute', metadata: meta(`${s.name}-route`), spec: { service: { name: s.name, ...(port ? { port } : {}) }, rules } });
    if (r.maybe(() => true)) objects.push({ apiVersion: M, kind: 'TrafficPolicy', metadata: meta(`${s.name}-dr`), spec: { service: { name: s.name }, ...trafficPolicy(r) } });
    for (const v of s.versions) if (r.maybe(() => true, 0.3)) objects.push({ apiVersion: M, kind: 'TrafficPolicy', metadata: meta(`${s.name}-dr-${v.name}`), spec: { service: { name: s.name, version: v.name }, ...trafficPolicy(r) } });
  }
  const target = (): { target: Record<string, unknown>; namespace: string } =>
    r.pick([
      { target: { kind: 'Namespace' }, namespace: ns },
      { target: { kind: 'Mesh' }, namespace: 'istio-system' },
      { target: { kind: 'MeshService', name: r.pick(services).name }, namespace: ns },
    ]);
  const mtls = target();
  objects.push({ apiVersion: M, kind: 'MtlsPolicy', metadata: meta('mtls', mtls.namespace), spec: { targetRef: mtls.target, mode: r.pick(['STRICT', 'PERMISSIVE', 'DISABLE']), ...(mtls.target.kind === 'MeshService' && r.maybe(() => true) ? { portLevel: [{ port: 9999, mode: 'PERMISSIVE' }] } : {}) } });
  const access = target();
  objects.push({
    apiVersion: M,
    kind: 'AccessPolicy',
    metadata: meta('access', access.namespace),
    spec: {
      targetRef: access.target,
      action: r.pick(['ALLOW', 'DENY', 'AUDIT']),
      rules: r.some(0, 3, () => ({
        from: r.some(0, 2, () => ({ ...(r.maybe(() => true) ? { principals: ['cluster.local/ns/shop/sa/web'] } : {}), ...(r.maybe(() => true) ? { notNamespaces: ['legacy'] } : {}), ...(r.maybe(() => true) ? { requestPrincipals: ['https://issuer.example/*'] } : {}) })),
        to: r.some(0, 2, () => ({ ...(r.maybe(() => true) ? { methods: ['GET', 'HEAD'] } : {}), ...(r.maybe(() => true) ? { paths: ['/api/*'] } : {}), ...(r.maybe(() => true) ? { notPaths: ['/admin/*'] } : {}), ...(r.maybe(() => true) ? { ports: [8080] } : {}) })),
        when: r.some(0, 1, () => ({ key: r.pick(['request.auth.claims[groups]', 'request.headers[x-user]', 'source.namespace']), values: ['a', 'b'] })),
      })),
    },
  });
  const jwt = target();
  objects.push({
    apiVersion: M,
    kind: 'JwtPolicy',
    metadata: meta('jwt', jwt.namespace),
    spec: {
      targetRef: jwt.target,
      required: r.maybe(() => true) === true,
      rules: r.some(1, 2, (i) => ({
        issuer: `https://issuer${i}.example`,
        ...(r.maybe(() => true) ? { jwksUri: `https://issuer${i}.example/jwks.json` } : { jwks: '{"keys":[]}' }),
        audiences: r.some(0, 2, (a) => `aud${a}`),
        ...(r.maybe(() => true) ? { fromHeaders: [{ name: 'x-token' }] } : {}),
        fromParams: r.some(0, 1, () => 'token'),
        fromCookies: r.some(0, 1, () => 'session'),
        forwardOriginalToken: r.maybe(() => true) === true,
        outputClaimToHeaders: r.some(0, 1, () => ({ header: 'x-sub', claim: 'sub' })),
      })),
    },
  });
  const limited = target();
  const tokens = r.int(1, 1000);
  objects.push({
    apiVersion: M,
    kind: 'RateLimit',
    metadata: meta('limit', limited.namespace),
    spec: { targetRef: limited.target, local: { tokens, fillInterval: r.pick(['1s', '1m', '1h']), ...(r.maybe(() => true) && tokens > 1 ? { tokensPerFill: r.int(1, tokens - 1) } : {}) }, ...(r.maybe(() => true) ? { response: { status: r.pick([429, 503]), headers: { 'x-limited': 'yes' } } } : {}) },
  });
  const observed = target();
  objects.push({
    apiVersion: M,
    kind: 'Telemetry',
    metadata: meta('telemetry', observed.namespace),
    spec: {
      targetRef: observed.target,
      ...(r.maybe(() => true) ? { tracing: { samplingPercent: r.int(0, 100), customTags: r.maybe(() => ({ user: { header: 'x-user' } })) ?? {} } } : {}),
      ...(r.maybe(() => true) ? { metrics: { enabled: r.maybe(() => true) === true } } : {}),
      ...(r.maybe(() => true) ? { accessLogs: { enabled: r.maybe(() => true) === true, errorsOnly: r.maybe(() => true) === true } } : {}),
    },
  });
  if (r.maybe(() => true)) objects.push({ apiVersion: M, kind: 'Mesh', metadata: { name: 'default' }, spec: { outboundPolicy: r.pick(['ALLOW_ANY', 'REGISTRY_ONLY']) } });
  return objects.map((o) => parseResource(o));
}

type Service = { name: string; versions: { name: string }[] };

/** What a rule does: weighted backends (with timeout, retry, fault, mirror, rewrite, header changes), a redirect or a direct answer. */
function action(r: ReturnType<typeof random>, own: Service, services: readonly Service[], external: string, catchAll = false): Record<string, unknown> {
  const kind = catchAll ? 'backends' : r.pick(['backends', 'backends', 'backends', 'redirect', 'direct'] as const);
  if (kind === 'redirect') return { redirect: { ...(r.maybe(() => true) ? { scheme: 'https' } : {}), ...(r.maybe(() => true) ? { host: 'new.example.com' } : {}), ...(r.maybe(() => true) ? { path: '/moved' } : {}), statusCode: r.pick([301, 302, 308]) } };
  if (kind === 'direct') return { directResponse: { status: r.pick([200, 404, 503]), ...(r.maybe(() => true) ? { body: 'gone' } : {}) } };
  const targets = [
    ...own.versions.map((v) => ({ version: v.name })),
    {},
    ...services.filter((s) => s.name !== own.name).map((s) => ({ name: s.name })),
    { name: external },
  ];
  const n = r.int(1, Math.min(3, targets.length));
  const w = weights(r, n);
  const backends = Array.from({ length: n }, (_, i) => ({ ...r.pick(targets), weight: w[i]! }));
  const timeout = r.maybe(() => r.pick(DURATIONS.slice(3)));
  return {
    backends,
    ...(timeout ? { timeout } : {}),
    ...(r.maybe(() => true) ? { retry: { attempts: r.int(0, 5), retryOn: r.pick([['5xx'], ['gateway-error', 'connect-failure'], ['503', 'reset']]), ...(r.maybe(() => true) ? { perTryTimeout: r.pick(DURATIONS.slice(0, 3)) } : {}) } } : {}),
    ...(r.maybe(() => true, 0.3)
      ? { fault: { ...(r.maybe(() => true) ? { delay: { fixedDelay: r.pick(DURATIONS), percent: r.int(0, 100) } } : {}), abort: r.pick([{ httpStatus: 503, percent: 10 }, { grpcStatus: 'UNAVAILABLE', percent: 5.5 }]) } }
      : {}),
    ...(r.maybe(() => true, 0.3) ? { mirror: { backend: own.versions.length ? { version: own.versions[0]!.name } : {}, percent: r.int(1, 100) } } : {}),
    ...(r.maybe(() => true, 0.3) ? { rewrite: { ...(r.maybe(() => true) ? { path: { type: 'ReplaceFullPath', value: '/new' } } : {}), authority: 'internal.example.com' } } : {}),
    ...(r.maybe(() => true, 0.3) ? { requestHeaders: { set: { 'x-a': '1' }, add: { 'x-b': '2' }, remove: ['x-c'] } } : {}),
    ...(r.maybe(() => true, 0.3) ? { responseHeaders: { remove: ['server'] } } : {}),
  };
}

function trafficPolicy(r: ReturnType<typeof random>): Record<string, unknown> {
  const lb = r.pick([
    { type: 'RoundRobin' },
    { type: 'LeastRequest' },
    { type: 'Random' },
    { type: 'ConsistentHash', consistentHash: { header: 'x-user' } },
    { type: 'ConsistentHash', consistentHash: { cookie: { name: 'session', ttl: '1h', path: '/' }, minimumRingSize: 2048 } },
    { type: 'ConsistentHash', consistentHash: { sourceIp: true, algorithm: 'Maglev' } },
    { type: 'ConsistentHash', consistentHash: { queryParam: 'user' } },
  ]);
  return {
    loadBalancer: lb,
    ...(r.maybe(() => true) ? { connectionPool: { tcp: { maxConnections: r.int(1, 1000), connectTimeout: '1s' }, http: { http1MaxPendingRequests: r.int(1, 100), http2MaxRequests: 1000, maxRequestsPerConnection: 0, maxRetries: 3, idleTimeout: '1m' } } } : {}),
    ...(r.maybe(() => true) ? { outlierDetection: { consecutive5xxErrors: r.int(0, 10), consecutiveGatewayErrors: 3, interval: '10s', baseEjectionTime: '1m', maxEjectionPercent: r.int(0, 100), minHealthPercent: 10 } } : {}),
  };
}

/**
 * Resources keyed for comparison: by kind and name, except TrafficPolicies, which Istio groups into
 * the DestinationRule of their service and which are therefore keyed by what they apply to.
 */
function keyed(resources: readonly MeshResource[]): Map<string, unknown> {
  return new Map(
    resources.map((r) => [
      r.kind === 'TrafficPolicy' ? `TrafficPolicy ${r.metadata.namespace}/${JSON.stringify((r as MeshResource<'TrafficPolicy'>).spec.service)}` : `${r.kind} ${r.metadata.namespace}/${r.metadata.name}`,
      r.spec,
    ]),
  );
}

describe('import(export(x)) equals x', () => {
  const seeds = Array.from({ length: 150 }, (_, i) => i + 1);
  it.each(seeds)('for the generated mesh of seed %i', (seed) => {
    const mesh = generateMesh(seed);
    const exported = exportToIstio(mesh);
    expect(exported.notes.filter((n) => n.severity === 'dropped')).toEqual([]);
    expect(exported.objects.length).toBeGreaterThanOrEqual(mesh.length - mesh.filter((x) => x.kind === 'TrafficPolicy').length);
    const imported = importObjects(exported.objects.map((object, index) => ({ file: 'istio.yaml', index, object })));
    expect(imported.notes.filter((n) => n.severity === 'dropped')).toEqual([]);
    const back = imported.resources.map((d) => parseResource(d));
    expect(keyed(back)).toEqual(keyed(mesh));
  });

  it('covers every kind the export carries, across the seeds', () => {
    const kinds = new Set(seeds.flatMap((s) => generateMesh(s).map((r) => r.kind)));
    expect([...kinds].sort()).toEqual(['AccessPolicy', 'ExternalService', 'JwtPolicy', 'Mesh', 'MeshService', 'MtlsPolicy', 'RateLimit', 'Telemetry', 'TrafficPolicy', 'TrafficRoute']);
  });
});
