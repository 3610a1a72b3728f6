import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { validateMesh } from '../../../constructs';
import { BookinfoMesh } from '../../../examples';

function synth(props: ConstructorParameters<typeof BookinfoMesh>[2] = {}): any[] {
  const chart = new Chart(Testing.app(), 'mesh');
  new BookinfoMesh(chart, 'Bookinfo', props);
  expect(validateMesh(chart)).toEqual([]);
  return Testing.synth(chart);
}

const byKindName = (objects: any[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  expect(found, `${kind} ${name}`).toBeDefined();
  return found;
};

describe('BookinfoMesh', () => {
  const objects = synth();

  it('synthesizes the whole mesh', () => {
    expect(objects).toMatchSnapshot();
  });

  it('synthesizes byte-identical output twice', () => {
    expect(JSON.stringify(synth())).toBe(JSON.stringify(objects));
  });

  it('puts productpage → details, reviews v1/v2/v3 → ratings in namespace bookinfo', () => {
    const services = objects.filter((o) => o.kind === 'MeshService');
    expect(services.map((s) => [s.metadata.name, s.spec.versions.map((v: any) => v.name), (s.spec.calls ?? []).map((c: any) => c.name)])).toEqual([
      ['ratings', ['v1', 'v2'], []],
      ['reviews', ['v1', 'v2', 'v3'], ['ratings']],
      ['details', ['v1'], ['payment-gateway']],
      ['productpage', ['v1'], ['details', 'reviews', 'email-api']],
    ]);
    expect(objects.filter((o) => o.metadata.namespace !== undefined).every((o) => o.metadata.namespace === 'bookinfo')).toBe(true);
  });

  it('expresses the 90/10 canary, header, cookie, jason and query-param routing with retries and a 10s timeout', () => {
    const rules = byKindName(objects, 'TrafficRoute', 'reviews-route').spec.rules;
    expect(rules.map((r: any) => [r.name, r.matches, r.backends])).toEqual([
      ['canary-match', [{ headers: [{ name: 'canary', type: 'Exact', value: 'true' }] }, { cookies: [{ name: 'user', type: 'Exact', value: 'premium' }] }], [{ version: 'v3' }]],
      ['jason', [{ headers: [{ name: 'end-user', type: 'Exact', value: 'jason' }] }], [{ version: 'v2' }]],
      ['test-query', [{ queryParams: [{ name: 'test', type: 'Exact', value: 'true' }] }], [{ version: 'v2' }]],
      ['canary-split', undefined, [{ version: 'v1', weight: 90 }, { version: 'v3', weight: 10 }]],
    ]);
    for (const rule of rules) {
      expect(rule.timeout).toBe('10s');
      expect(rule.retry).toEqual({ attempts: 3, perTryTimeout: '2s', retryOn: ['gateway-error', 'connect-failure', 'refused-stream'] });
    }
  });

  it('expresses the 75/25 split with fault delay 10%/5s and abort 10%/500', () => {
    expect(byKindName(objects, 'TrafficRoute', 'ratings-route').spec.rules).toEqual([
      { name: 'split', backends: [{ version: 'v1', weight: 75 }, { version: 'v2', weight: 25 }], fault: { delay: { fixedDelay: '5s', percent: 10 }, abort: { httpStatus: 500, percent: 10 } } },
    ]);
  });

  it('expresses the Flagger-style progressive canary', () => {
    expect(byKindName(objects, 'Canary', 'reviews-route').spec).toEqual({
      service: { name: 'reviews', namespace: 'bookinfo' },
      route: 'reviews-route',
      stableVersion: 'v1',
      canaryVersion: 'v3',
      analysis: { interval: '1m', stepWeight: 10, maxWeight: 50, threshold: 5, successRateMin: 99, latencyP99Max: '500ms' },
    });
  });

  it('expresses outlier detection, the connection pool, least request and the cookie hash with TTL', () => {
    expect(byKindName(objects, 'TrafficPolicy', 'reviews-circuit-breaker').spec).toEqual({
      service: { name: 'reviews', namespace: 'bookinfo' },
      loadBalancer: { type: 'LeastRequest' },
      connectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 50, http2MaxRequests: 1000 } },
      outlierDetection: { consecutive5xxErrors: 5, interval: '30s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
    });
    expect(byKindName(objects, 'TrafficPolicy', 'productpage-sessions').spec.loadBalancer).toEqual({ type: 'ConsistentHash', consistentHash: { cookie: { name: 'session', ttl: '1h' } } });
  });

  it('expresses STRICT mTLS, the Linkerd-style retry budget, GET /api/public/* from sa/web, JWT with a claims rule and 100 tokens/60s', () => {
    expect(byKindName(objects, 'Mesh', 'default').spec).toMatchObject({ mtls: { mode: 'STRICT' }, retryBudget: { retryRatio: 0.2, minRetriesPerSecond: 10, ttl: '10s' } });
    expect(byKindName(objects, 'MtlsPolicy', 'mtls').spec).toEqual({ targetRef: { kind: 'Namespace' }, mode: 'STRICT' });
    const access = byKindName(objects, 'AccessPolicy', 'productpage-access').spec;
    expect(access.rules[0]).toEqual({ from: [{ serviceAccounts: ['web'] }], to: [{ methods: ['GET'], paths: ['/api/public/*'] }] });
    expect(access.rules[1].when).toEqual([{ key: 'request.auth.claims[groups]', values: ['reviewers'] }]);
    expect(byKindName(objects, 'JwtPolicy', 'productpage-jwt').spec.rules[0].issuer).toBe('https://auth.bookinfo.example');
    expect(byKindName(objects, 'RateLimit', 'productpage-rate-limit').spec.local).toEqual({ tokens: 100, fillInterval: '60s' });
  });

  it('lets bookinfo.example.test in over HTTPS through an ingress gateway, redirecting HTTP, with JWT checked and rate limited at the edge', () => {
    expect(byKindName(objects, 'MeshGateway', 'bookinfo-gateway').spec).toMatchObject({
      role: 'Ingress',
      listeners: [
        { name: 'http-80', port: 80, protocol: 'HTTP' },
        { name: 'https-443-bookinfo-example-test', port: 443, protocol: 'HTTPS', hostname: 'bookinfo.example.test', tls: { certificates: [{ secretName: 'bookinfo-tls' }] } },
      ],
    });
    expect(byKindName(objects, 'GatewayRoute', 'bookinfo-gateway-redirect-to-https-http-80').spec.rules).toEqual([{ name: 'to-https', redirect: { scheme: 'https', port: 443, statusCode: 301 } }]);
    const route = byKindName(objects, 'GatewayRoute', 'bookinfo-gateway-productpage').spec;
    expect(route.hostnames).toEqual(['bookinfo.example.test']);
    expect(route.parentRefs).toEqual([{ name: 'bookinfo-gateway', namespace: 'bookinfo', sectionName: 'https-443-bookinfo-example-test' }]);
    expect(route.rules[0].backends).toEqual([{ name: 'productpage', namespace: 'bookinfo', port: 9080 }]);
    const edge = { kind: 'MeshGateway', name: 'bookinfo-gateway', namespace: 'bookinfo' };
    expect(byKindName(objects, 'JwtPolicy', 'edge-jwt').spec).toMatchObject({ targetRef: edge, required: false, rules: [{ issuer: 'https://auth.bookinfo.example', forwardOriginalToken: true }] });
    expect(byKindName(objects, 'RateLimit', 'edge-rate-limit').spec.targetRef).toEqual(edge);
    // productpage admits the gateway's identity for any page but the token-guarded products API.
    expect(byKindName(objects, 'AccessPolicy', 'productpage-access').spec.rules[2]).toEqual({
      from: [{ serviceAccounts: ['bookinfo-gateway'], namespaces: ['bookinfo'] }],
      to: [{ methods: ['GET'], notPaths: ['/api/v1/products/*'] }],
    });
    expect(byKindName(objects, 'Service', 'bookinfo-gateway').spec.type).toBe('LoadBalancer');
    expect(byKindName(objects, 'PodDisruptionBudget', 'bookinfo-gateway')).toBeDefined();
  });

  it('sends the external APIs out through an egress gateway that only details and productpage may use', () => {
    for (const name of ['payment-gateway', 'email-api']) {
      expect(byKindName(objects, 'ExternalService', name).spec).toMatchObject({ tls: { mode: 'ORIGINATE' }, egressGateway: { name: 'bookinfo-egress' } });
    }
    expect(byKindName(objects, 'MeshGateway', 'bookinfo-egress').spec.role).toBe('Egress');
    expect(byKindName(objects, 'AccessPolicy', 'bookinfo-egress-allow').spec).toEqual({
      targetRef: { kind: 'MeshGateway', name: 'bookinfo-egress', namespace: 'bookinfo' },
      action: 'ALLOW',
      rules: [{ from: [{ serviceAccounts: ['details'], namespaces: ['bookinfo'] }, { serviceAccounts: ['productpage'], namespaces: ['bookinfo'] }] }],
    });
    expect(byKindName(objects, 'Service', 'bookinfo-egress').spec.type).toBe('ClusterIP');
  });

  it('samples 10% of traces by default', () => {
    expect(byKindName(objects, 'Telemetry', 'tracing').spec.tracing).toEqual({ samplingPercent: 10 });
  });

  it('takes the namespace, mTLS mode and sampling from its props', () => {
    const dev = synth({ namespace: 'dev', mtlsMode: 'PERMISSIVE', tracingSamplingPercent: 100 });
    expect(byKindName(dev, 'Mesh', 'default').spec.mtls).toEqual({ mode: 'PERMISSIVE' });
    expect(byKindName(dev, 'MtlsPolicy', 'mtls').spec.mode).toBe('PERMISSIVE');
    expect(byKindName(dev, 'Telemetry', 'tracing').spec.tracing.samplingPercent).toBe(100);
    expect(byKindName(dev, 'Namespace', 'dev')).toBeDefined();
    expect(dev.filter((o) => o.metadata.namespace !== undefined).every((o) => o.metadata.namespace === 'dev')).toBe(true);
  });
});
