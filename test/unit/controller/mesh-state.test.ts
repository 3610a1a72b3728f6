import { describe, expect, it } from 'vitest';
import { MeshState } from '../../../controller/mesh-state';

const route = (weights: [number, number]) => ({
  apiVersion: 'meshform.dev/v1alpha1',
  kind: 'TrafficRoute',
  metadata: { name: 'reviews', namespace: 'default' },
  spec: { service: { name: 'reviews' }, rules: [{ backends: [{ version: 'v1', weight: weights[0] }, { version: 'v2', weight: weights[1] }] }] },
});

const gatewayServing = (secret: { secretName: string; namespace?: string }) => ({
  apiVersion: 'meshform.dev/v1alpha1',
  kind: 'MeshGateway',
  metadata: { name: 'edge', namespace: 'shop' },
  spec: { listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificates: [secret] } }] },
});

describe('mesh state', () => {
  it("refuses a hand-written MeshGateway serving another namespace's Secret, and accepts its own namespace's", () => {
    const state = new MeshState();
    state.replaceSource('files', [
      { object: gatewayServing({ secretName: 'bank-tls', namespace: 'bank' }), origin: 'a.yaml#0' },
    ]);
    expect(state.resources()).toEqual([]);
    expect(state.statuses()[0]).toMatchObject({ accepted: false, reason: 'CROSS_NAMESPACE_SECRET', inForce: 'none' });
    expect(state.statuses()[0]!.message).toContain('spec.listeners[0].tls.certificates[0].namespace is bank; a MeshGateway serves only Secrets of its own namespace (shop)');
    state.replaceSource('files', [{ object: gatewayServing({ secretName: 'shop-tls', namespace: 'shop' }), origin: 'a.yaml#0' }]);
    expect(state.statuses()[0]).toMatchObject({ accepted: true });
  });

  it('accepts the cross-namespace Secret of a MeshGateway the controller made from a Gateway a ReferenceGrant allowed', () => {
    const state = new MeshState();
    state.replaceSource('gateway-api', [{ object: gatewayServing({ secretName: 'shared-tls', namespace: 'certs' }), origin: 'kubernetes Gateway', converted: true }]);
    expect(state.statuses()[0]).toMatchObject({ accepted: true });
    expect(state.resources()).toHaveLength(1);
  });

  it('keeps the last valid version of a resource whose update is invalid, and says why', () => {
    const state = new MeshState();
    state.replaceSource('files', [{ object: route([80, 20]), origin: 'a.yaml#0' }]);
    state.replaceSource('files', [{ object: route([80, 30]), origin: 'a.yaml#0' }]);
    const [kept] = state.resources() as readonly { spec: { rules: { backends: { weight: number }[] }[] } }[];
    expect(kept!.spec.rules[0]!.backends.map((b) => b.weight)).toEqual([80, 20]);
    expect(state.statuses()).toEqual([expect.objectContaining({ accepted: false, reason: 'WEIGHTS_SUM', inForce: 'last-valid' })]);
  });

  it('puts nothing in force for a resource that was never valid, and still reports it', () => {
    const state = new MeshState();
    state.replaceSource('files', [{ object: { ...route([1, 1]), kind: 'TrafficRoute' }, origin: 'a.yaml#0' }]);
    expect(state.resources()).toEqual([]);
    expect(state.statuses()[0]).toMatchObject({ accepted: false, inForce: 'none' });
  });

  it('drops what a source no longer reports', () => {
    const state = new MeshState();
    state.replaceSource('files', [{ object: route([80, 20]), origin: 'a.yaml#0' }]);
    state.replaceSource('files', []);
    expect(state.resources()).toEqual([]);
  });

  it('signals a change only when something changed', () => {
    const state = new MeshState();
    let changes = 0;
    state.on('change', () => changes++);
    const object = route([80, 20]);
    state.replaceSource('files', [{ object, origin: 'a.yaml#0' }]);
    state.replaceSource('files', [{ object, origin: 'a.yaml#0' }]);
    state.setWorkloads('registry', [{ name: 'a', namespace: 'default', address: '127.0.0.2', labels: {} }]);
    state.setWorkloads('registry', [{ name: 'a', namespace: 'default', address: '127.0.0.2', labels: {} }]);
    expect(changes).toBe(2);
  });

  it('shows cross-resource findings on the resource they are about', () => {
    const state = new MeshState();
    state.replaceSource('files', [{ object: route([80, 20]), origin: 'a.yaml#0' }]);
    state.setCrossFindings([{ code: 'UNKNOWN_SERVICE', where: 'TrafficRoute reviews', field: 'spec.service.name', message: 'names a missing service', fix: 'define it' }]);
    expect(state.statuses()[0]).toMatchObject({ accepted: false, reason: 'UNKNOWN_SERVICE', inForce: 'current' });
  });

  it('keeps an unchanged workload as the very same object, and does not count a rescan that changes nothing', () => {
    const state = new MeshState();
    let changes = 0;
    state.on('change', () => (changes += 1));
    const read = (port: number) => [
      { name: 'a', namespace: 'default', address: '127.0.0.2', labels: { app: 'reviews' } },
      { name: 'b', namespace: 'default', address: '127.0.0.3', labels: { app: 'reviews' }, ports: { '9080': port } },
    ];
    state.setWorkloads('registry', read(20000));
    const [a, b] = state.workloads();
    state.setWorkloads('registry', read(20000));
    expect(changes).toBe(1);
    state.setWorkloads('registry', read(20001));
    expect(changes).toBe(2);
    expect(state.workloads()[0]).toBe(a);
    expect(state.workloads()[1]).not.toBe(b);
    expect(state.workloads()[1]).toMatchObject({ ports: { '9080': 20001 } });
  });
});
