import { describe, expect, it } from 'vitest';
import { parseResource } from '../../../lib/validation';
import { addressesOf, localPort, planGateways } from '../../../runner';
import { fullResources } from '../../fixtures/full-resources';

describe('the local gateway plan', () => {
  it('gives each MeshGateway its own address after the instances, its selector\'s labels and its identity', () => {
    const resources = (['MeshService', 'MeshGateway', 'GatewayRoute'] as const).map((kind) => parseResource(fullResources()[kind]));
    const [edge] = planGateways(resources, (k) => addressesOf(k), 5);
    expect(edge).toMatchObject({ name: 'gateway-edge', namespace: 'shop', gateway: 'edge', role: 'Ingress', address: '127.10.5.1', serviceAccount: 'edge', labels: { 'meshform.dev/gateway': 'edge' } });
    expect(edge!.ports).toEqual({ '443': 10443 });
    expect(edge!.hosts).toEqual({ https: ['shop.example.com'] });
    expect(edge!.paths).toEqual({ https: '/api' });
  });

  it('moves privileged ports up by 10000 and keeps the others', () => {
    expect([80, 443, 1023, 1024, 8443].map(localPort)).toEqual([10080, 10443, 11023, 1024, 8443]);
  });
});
