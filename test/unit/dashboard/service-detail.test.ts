import { describe, expect, it } from 'vitest';
import { withCanaryWeight } from '../../../lib/canary';
import type { MeshResource } from '../../../lib/api';
import { servicePolicies, serviceRoutes } from '../../../lib/dashboard';
import { MeshModel } from '../../../lib/model';
import { resource, shopResources } from './dashboard-fixtures';

const route = resource('TrafficRoute', 'reviews', {
  service: { name: 'reviews' },
  rules: [
    { name: 'testers', matches: [{ method: 'GET', path: { type: 'Prefix', value: '/api' }, headers: [{ name: 'end-user', value: 'jason' }] }], backends: [{ version: 'v2' }] },
    { name: 'canary-split', backends: [{ version: 'v1', weight: 90 }, { version: 'v2', weight: 10 }] },
  ],
}) as MeshResource<'TrafficRoute'>;

const modelWith = (...extra: MeshResource[]) => new MeshModel([...shopResources(), ...extra]);
const reviewsIn = (model: MeshModel) => model.service('shop', 'reviews')!;

describe("a service's routes", () => {
  it('lists each rule with its matches in words and its weighted backends', () => {
    const model = modelWith(route);
    expect(serviceRoutes(model, reviewsIn(model))).toEqual([
      {
        name: 'reviews',
        rules: [
          { matches: ['GET path prefix /api header end-user=jason'], backends: [{ service: 'reviews', version: 'v2', weight: 100 }] },
          { matches: ['any request'], backends: [{ service: 'reviews', version: 'v1', weight: 90 }, { service: 'reviews', version: 'v2', weight: 10 }] },
        ],
      },
    ]);
  });

  it("shows the weights a canary's override put in place of the route's own", () => {
    const canary = { service: { name: 'reviews' }, route: 'reviews', stableVersion: 'v1', canaryVersion: 'v2', analysis: { interval: '1m', stepWeight: 10, maxWeight: 50, threshold: 5, successRateMin: 99, latencyP99Max: '500ms', minRequests: 10 } };
    const model = modelWith(withCanaryWeight(route, canary, 30));
    expect(serviceRoutes(model, reviewsIn(model))[0]!.rules[1]!.backends.map((b) => b.weight)).toEqual([70, 30]);
  });
});

describe("a service's policies", () => {
  const policies = () => {
    const model = modelWith(
      resource('MtlsPolicy', 'mesh-wide', { targetRef: { kind: 'Mesh' }, mode: 'STRICT' }, 'meshform-system'),
      resource('MtlsPolicy', 'reviews-permissive', { targetRef: { kind: 'MeshService', name: 'reviews' }, mode: 'PERMISSIVE' }),
      resource('AccessPolicy', 'shop-only', { targetRef: { kind: 'Namespace' }, rules: [{ from: [{ namespaces: ['shop'] }] }] }),
      resource('AccessPolicy', 'no-batch', { targetRef: { kind: 'MeshService', name: 'reviews' }, action: 'DENY', rules: [{ from: [{ serviceAccounts: ['batch'] }] }] }),
      resource('RateLimit', 'shop-limit', { targetRef: { kind: 'Namespace' }, local: { tokens: 100, fillInterval: '1s' } }),
      resource('RateLimit', 'per-route', { targetRef: { kind: 'MeshService', name: 'reviews' }, route: 'testers', local: { tokens: 5, fillInterval: '1s' } }),
      resource('MtlsPolicy', 'other-namespace', { targetRef: { kind: 'Namespace' }, mode: 'DISABLE' }, 'dev'),
    );
    return servicePolicies(model, reviewsIn(model)).map((p) => [p.kind, p.name, p.target, p.applies, p.summary]);
  };

  it("lists every covering policy per kind, most specific first, and marks the most specific mTLS policy the one in force", () => {
    expect(policies().filter(([kind]) => kind === 'MtlsPolicy')).toEqual([
      ['MtlsPolicy', 'reviews-permissive', 'MeshService/reviews', true, 'mTLS PERMISSIVE'],
      ['MtlsPolicy', 'mesh-wide', 'Mesh', false, 'mTLS STRICT'],
    ]);
  });

  it('marks every access and JWT policy in force, since translation combines them', () => {
    expect(policies().filter(([kind]) => kind === 'AccessPolicy' || kind === 'JwtPolicy')).toEqual([
      ['AccessPolicy', 'no-batch', 'MeshService/reviews', true, 'denies sa batch'],
      ['AccessPolicy', 'shop-only', 'Namespace/shop', true, 'allows namespace shop; denies everyone else'],
      ['JwtPolicy', 'reviews-jwt', 'MeshService/reviews', true, 'requires a JWT from https://issuer.example'],
    ]);
  });

  it('does not mark a rate limit that names a route in force (the inbound side cannot tell routes apart); the workload-wide one is', () => {
    expect(policies().filter(([kind]) => kind === 'RateLimit').map(([, name, , applies]) => [name, applies])).toEqual([
      ['per-route', false],
      ['shop-limit', true],
    ]);
  });

  it('lists the TrafficPolicies naming the service, a version\'s first, the first of each as translation merges them in force', () => {
    const model = modelWith(
      resource('TrafficPolicy', 'reviews-lb', { service: { name: 'reviews' }, loadBalancer: { type: 'LeastRequest' }, outlierDetection: { consecutive5xxErrors: 3 } }),
      resource('TrafficPolicy', 'reviews-z-late', { service: { name: 'reviews' }, retryBudget: { retryRatio: 0.2 } }),
      resource('TrafficPolicy', 'reviews-v2', { service: { name: 'reviews', version: 'v2' }, connectionPool: { http: { http1MaxPendingRequests: 10 } } }),
      resource('TrafficPolicy', 'ratings-lb', { service: { name: 'ratings' }, loadBalancer: { type: 'Random' } }),
    );
    expect(servicePolicies(model, reviewsIn(model)).filter((p) => p.kind === 'TrafficPolicy').map((p) => [p.name, p.target, p.applies, p.summary])).toEqual([
      ['reviews-v2', 'MeshService/reviews/v2', true, 'connection pool limits'],
      ['reviews-lb', 'MeshService/reviews', true, 'load balancer LeastRequest; ejects after 3 consecutive 5xx'],
      ['reviews-z-late', 'MeshService/reviews', false, 'retry budget'],
    ]);
  });
});
