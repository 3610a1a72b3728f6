import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInputs } from '../../../cli/import-command';
import { parseResource } from '../../../lib';
import { exportToGatewayApi, importObjects } from '../../../lib/migrate';

const shop = importObjects(readInputs([path.join(__dirname, '../../fixtures/migrate/shop')])).resources.map((r) => parseResource(r));

describe('meshform export --to gateway-api', () => {
  const exported = exportToGatewayApi(shop);
  const route = (name: string) => exported.objects.find((o) => o.kind === 'HTTPRoute' && (o.metadata as { name: string }).name === name) as { spec: { parentRefs: unknown[]; rules: Record<string, unknown>[] } };

  it('attaches each route to its Service and routes versions to a Service per version', () => {
    const reviews = route('reviews-route');
    expect(reviews.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'reviews' }]);
    expect(reviews.spec.rules[0]).toMatchObject({ name: 'canary', matches: [{ headers: [{ name: 'canary', type: 'Exact', value: 'true' }] }], backendRefs: [{ name: 'reviews-v2', port: 9080 }] });
    expect(reviews.spec.rules[4]).toMatchObject({ backendRefs: [{ name: 'reviews-v1', port: 9080, weight: 90 }, { name: 'reviews-v2', port: 9080, weight: 10 }] });
    expect(exported.objects.find((o) => o.kind === 'Service' && (o.metadata as { name: string }).name === 'reviews-v2')).toMatchObject({ spec: { selector: { app: 'reviews', version: 'v2' }, ports: [{ name: 'http', port: 9080 }] } });
  });

  it('carries timeouts, per-try timeouts and retries on status codes', () => {
    expect(route('slow-route').spec.rules[0]).toMatchObject({ timeouts: { request: '400ms', backendRequest: '100ms' }, retry: { attempts: 2, codes: [502, 503, 504] } });
  });

  it('reports what Gateway API cannot say: faults, and the kinds that are not routes', () => {
    const dropped = exported.notes.filter((n) => n.severity === 'dropped').map((n) => `${n.object} ${n.field}`);
    expect(dropped).toContain('TrafficRoute shop/faulty-route spec.rules[0].fault');
    expect(dropped).toContain('TrafficPolicy shop/storm-retry-budget (whole object)');
  });

  it('gives HTTPRoutes that import back to the same splits, over the per-version Services', () => {
    const back = importObjects(exported.objects.map((object, index) => ({ file: 'gateway-api.yaml', index, object })));
    const reviews = back.resources.find((r) => r.kind === 'TrafficRoute' && r.metadata.name === 'reviews-route')!;
    expect((reviews.spec.rules as Record<string, unknown>[])[4]).toEqual({ name: 'stable', backends: [{ name: 'reviews-v1', port: 9080, weight: 90 }, { name: 'reviews-v2', port: 9080, weight: 10 }], retry: { attempts: 2 } });
  });
});
