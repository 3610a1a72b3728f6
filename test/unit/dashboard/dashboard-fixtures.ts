import { API_GROUP_VERSION, type KindName, type MeshResource } from '../../../lib/api';
import { MeshModel } from '../../../lib/model';
import type { Sample } from '../../../lib/telemetry';
import type { WorkloadInstance } from '../../../lib/translate';
import { parseResource } from '../../../lib/validation';

/** A validated resource of namespace `shop` (null: cluster-scoped). */
export const resource = (kind: KindName, name: string, spec: unknown, namespace: string | null = 'shop'): MeshResource =>
  parseResource({ apiVersion: API_GROUP_VERSION, kind, metadata: namespace === null ? { name } : { name, namespace }, spec });

/** web calls reviews (v1, v2, account `reviews`) and the external payments API; a JwtPolicy covers reviews. */
export const shopResources = (): MeshResource[] => [
  resource('MeshService', 'web', { selector: { app: 'web' }, ports: [{ port: 9080, protocol: 'http' }] }),
  resource('MeshService', 'reviews', { selector: { app: 'reviews' }, ports: [{ port: 9080, protocol: 'http' }], versions: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] }),
  resource('ExternalService', 'payments', { hosts: ['api.payments.example.com'], ports: [{ port: 443, protocol: 'https' }] }),
  resource('JwtPolicy', 'reviews-jwt', { targetRef: { kind: 'MeshService', name: 'reviews' }, rules: [{ issuer: 'https://issuer.example', jwksUri: 'https://issuer.example/jwks' }] }),
];

export const shopModel = (): MeshModel => new MeshModel(shopResources());

export const shopWorkloads: WorkloadInstance[] = [
  { name: 'web-0', namespace: 'shop', address: '127.0.0.1', labels: { app: 'web' } },
  { name: 'reviews-v1-0', namespace: 'shop', address: '127.0.0.2', labels: { app: 'reviews', version: 'v1' } },
  { name: 'reviews-v2-0', namespace: 'shop', address: '127.0.0.3', labels: { app: 'reviews', version: 'v2' } },
];

/** A request-count sample as a sidecar labels it. */
export const requests = (direction: 'inbound' | 'outbound', labels: Record<string, string>, value: number): Sample => ({
  name: 'meshform_requests_total',
  labels: { direction, route: 'default', response_flags: '-', ...labels },
  value,
});

/** Cumulative latency buckets of one series: `[le, value]` pairs. */
export const buckets = (direction: 'inbound' | 'outbound', labels: Record<string, string>, counts: readonly [string, number][]): Sample[] =>
  counts.map(([le, value]) => ({ name: 'meshform_request_duration_seconds_bucket', labels: { direction, route: 'default', ...labels, le }, value }));
