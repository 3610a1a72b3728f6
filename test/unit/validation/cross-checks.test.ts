import { describe, expect, it } from 'vitest';
import type { KindName, MeshResource } from '../../../lib/api';
import { analyzeMesh, formatFinding, parseResource } from '../../../lib/validation';
import { fullResources } from '../../fixtures/full-resources';

type Spec = Record<string, any>;

/** GIVEN the consistent full mesh with one change, WHEN analyzed with construct paths, THEN these findings. */
function analyzeWith(change: (specs: Record<KindName, Spec>) => void, extra: Record<string, unknown>[] = []) {
  const objects = fullResources() as Record<KindName, { spec: Spec }>;
  change(Object.fromEntries(Object.entries(objects).map(([k, v]) => [k, v.spec])) as Record<KindName, Spec>);
  const resources = [...Object.values(objects), ...extra].map((o) => parseResource(o));
  return analyzeMesh(resources, (r: MeshResource) => `App/Chart/${r.kind}-${r.metadata.name}`);
}

const codes = (findings: ReturnType<typeof analyzeMesh>) => findings.map((f) => f.code);

describe('cross-resource checks', () => {
  it('find nothing wrong in a consistent mesh', () => {
    expect(analyzeWith(() => {}).map(formatFinding)).toEqual([]);
  });

  it('reject a route to a version the service does not have', () => {
    const findings = analyzeWith((s) => (s.TrafficRoute.rules[0].backends[1].version = 'v9'));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'UNKNOWN_VERSION', where: 'App/Chart/TrafficRoute-reviews', field: 'spec.rules[0].backends[1].version' });
    expect(findings[0]!.fix).toContain('v1, v2');
  });

  it('reject a route whose service does not exist', () => {
    const findings = analyzeWith((s) => (s.TrafficRoute.service.name = 'ghost'));
    expect(findings.find((f) => f.code === 'UNKNOWN_SERVICE')).toMatchObject({ where: 'App/Chart/TrafficRoute-reviews', field: 'spec.service.name' });
  });

  it('reject a route to a port the service does not expose', () => {
    const findings = analyzeWith((s) => (s.TrafficRoute.service.port = 9090));
    expect(findings[0]).toMatchObject({ code: 'UNKNOWN_PORT', field: 'spec.service.port', limit: '9080' });
  });

  it('reject two routes claiming the same service and match', () => {
    const second = structuredClone(fullResources().TrafficRoute) as { metadata: { name: string } };
    second.metadata.name = 'reviews-copy';
    const findings = analyzeWith(() => {}, [second]);
    expect(codes(findings)).toContain('DUPLICATE_ROUTE_MATCH');
    const dup = findings.find((f) => f.code === 'DUPLICATE_ROUTE_MATCH')!;
    expect(dup).toMatchObject({ where: 'App/Chart/TrafficRoute-reviews-copy', field: 'spec.rules[0].matches' });
    expect(dup.message).toContain('TrafficRoute shop/reviews rule 0');
  });

  it('reject a rule that comes after a catch-all rule', () => {
    const findings = analyzeWith((s) => (s.TrafficRoute.rules[0].matches = []));
    expect(findings).toEqual([expect.objectContaining({ code: 'UNREACHABLE_RULE', field: 'spec.rules[1]' }), expect.objectContaining({ code: 'UNREACHABLE_RULE', field: 'spec.rules[2]' })]);
  });

  it('reject a STRICT workload called by a service outside the mesh', () => {
    const legacy = { apiVersion: 'meshform.dev/v1alpha1', kind: 'MeshService', metadata: { name: 'legacy', namespace: 'shop' }, spec: { selector: { app: 'legacy' }, ports: [{ port: 8080 }], sidecar: { inject: false }, calls: [{ name: 'reviews' }] } };
    const findings = analyzeWith((s) => (s.MtlsPolicy.portLevel = []), [legacy]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'STRICT_CALLER_OUTSIDE_MESH', where: 'App/Chart/MeshService-legacy', field: 'spec.calls[0]' });
    expect(findings[0]!.fix).toContain('PERMISSIVE');
  });

  it('accept a caller outside the mesh when the callee is PERMISSIVE on that port', () => {
    const legacy = { apiVersion: 'meshform.dev/v1alpha1', kind: 'MeshService', metadata: { name: 'legacy', namespace: 'shop' }, spec: { selector: { app: 'legacy' }, ports: [{ port: 8080 }], sidecar: { inject: false }, calls: [{ name: 'reviews' }] } };
    expect(analyzeWith(() => {}, [legacy])).toEqual([]);
  });

  it('reject a policy naming an unknown service', () => {
    const findings = analyzeWith((s) => (s.AccessPolicy.targetRef.name = 'revews'));
    expect(findings[0]).toMatchObject({ code: 'UNKNOWN_SERVICE', where: 'App/Chart/AccessPolicy-reviews', field: 'spec.targetRef.name' });
    expect(findings[0]!.fix).toContain('reviews');
  });

  it('reject a MeshService target without a name', () => {
    const findings = analyzeWith((s) => delete s.JwtPolicy.targetRef.name);
    expect(findings[0]).toMatchObject({ code: 'TARGET_NAME_REQUIRED', field: 'spec.targetRef.name' });
  });

  it('reject a traffic policy for a version that does not exist', () => {
    const findings = analyzeWith((s) => (s.TrafficPolicy.service.version = 'v3'));
    expect(findings[0]).toMatchObject({ code: 'UNKNOWN_VERSION', field: 'spec.service.version' });
  });

  it('reject a port-level mTLS mode for a port the service lacks', () => {
    const findings = analyzeWith((s) => (s.MtlsPolicy.portLevel[0].port = 9999));
    expect(findings[0]).toMatchObject({ code: 'UNKNOWN_PORT', field: 'spec.portLevel[0].port' });
  });

  it('reject a rate limit on a route rule that does not exist', () => {
    const findings = analyzeWith((s) => (s.RateLimit.route = 'checkout'));
    expect(findings[0]).toMatchObject({ code: 'UNKNOWN_ROUTE', field: 'spec.route' });
    expect(findings[0]!.fix).toContain('canary');
  });

  it('reject a canary whose route is missing or whose versions are unknown', () => {
    const findings = analyzeWith((s) => {
      s.Canary.route = 'nope';
      s.Canary.canaryVersion = 'v7';
    });
    expect(findings.map((f) => [f.code, f.field])).toEqual([
      ['UNKNOWN_VERSION', 'spec.canaryVersion'],
      ['UNKNOWN_ROUTE', 'spec.route'],
    ]);
  });

  it('reject a call to an unknown service', () => {
    const findings = analyzeWith((s) => s.MeshService.calls.push({ name: 'inventory' }));
    expect(findings[0]).toMatchObject({ code: 'UNKNOWN_SERVICE', field: 'spec.calls[1].name' });
  });

  it('reject two traffic policies for the same destination', () => {
    const second = structuredClone(fullResources().TrafficPolicy) as { metadata: { name: string } };
    second.metadata.name = 'reviews-lb';
    const findings = analyzeWith(() => {}, [second]);
    expect(findings).toEqual([expect.objectContaining({ code: 'DUPLICATE_POLICY', where: 'App/Chart/TrafficPolicy-reviews-lb', field: 'spec.service' })]);
  });

  it('reject a resource defined twice and a second Mesh', () => {
    const twice = fullResources().AccessPolicy;
    const mesh = structuredClone(fullResources().Mesh) as { metadata: { name: string } };
    mesh.metadata.name = 'other';
    expect(codes(analyzeWith(() => {}, [twice, mesh]))).toEqual(['DUPLICATE_RESOURCE', 'MULTIPLE_MESHES']);
  });
});

describe('single-resource checks that read like cross-field ones', () => {
  const route = () => structuredClone(fullResources().TrafficRoute) as { spec: Spec };

  it('reject weights that add up to 110, saying the sum and the fix', () => {
    const r = route();
    r.spec.rules[0].backends[0].weight = 100;
    expect(() => parseResource(r, 'App/Chart/Reviews')).toThrow(/\[WEIGHTS_SUM\] App\/Chart\/Reviews: spec\.rules\[0\]\.backends weights add up to 110; they must add up to 100\. Fix: change the weights \(100 \+ 10\)/);
  });

  it('reject a per-try timeout longer than the route timeout', () => {
    const r = route();
    r.spec.rules[0].retry.perTryTimeout = '11s';
    expect(() => parseResource(r)).toThrow(/\[PER_TRY_EXCEEDS_TIMEOUT\] TrafficRoute shop\/reviews: spec\.rules\[0\]\.retry\.perTryTimeout is 11s, longer than the rule's timeout 10s/);
  });

  it('reject an unknown field with its name', () => {
    const r = route();
    r.spec.rules[0].retries = 3;
    expect(() => parseResource(r)).toThrow(/\[UNKNOWN_FIELD\] TrafficRoute shop\/reviews: spec\.rules\[0\]\.retries is not a field/);
  });

  it('reject a retryOn word Envoy does not know', () => {
    const r = route();
    r.spec.rules[0].retry.retryOn = ['5xx', 'sometimes'];
    expect(() => parseResource(r)).toThrow(/spec\.rules\[0\]\.retry\.retryOn\[1\]/);
  });
});
