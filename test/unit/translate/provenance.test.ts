import { describe, expect, it } from 'vitest';
import { meshResourcesOf } from '../../../lib/translate';
import { meshService, model, resource, sidecar } from '../../support/controller-fixtures';

const FQDN = 'reviews.default.svc.cluster.local';
const mesh = model(
  resource('Mesh', 'mesh', {}),
  meshService('reviews', { versions: [{ name: 'v1', labels: { version: 'v1' } }] }),
  meshService('ratings'),
  resource('TrafficRoute', 'reviews', { service: { name: 'reviews' }, rules: [{ backends: [{ version: 'v1', weight: 100 }] }] }),
  resource('TrafficPolicy', 'reviews', { service: { name: 'reviews' }, connectionPool: { tcp: { maxConnections: 10 } } }),
  resource('TrafficPolicy', 'ratings', { service: { name: 'ratings' }, connectionPool: { tcp: { maxConnections: 10 } } }),
  resource('AccessPolicy', 'ratings-only', { targetRef: { kind: 'MeshService', name: 'ratings' }, rules: [{}] }),
  resource('AccessPolicy', 'all', { targetRef: { kind: 'Mesh' }, rules: [{}] }),
  resource('ExternalService', 'payments', { hosts: ['api.payments.example'], ports: [{ port: 443, protocol: 'https' }] }),
);
const proxy = sidecar('ratings', '127.0.0.5');

describe('which mesh resources an Envoy resource comes from (for NACKs on statuses)', () => {
  it('traces a cluster, an assignment or a virtual host to its service and the route and policy about it', () => {
    const expected = ['MeshService/default/reviews', 'TrafficRoute/default/reviews', 'TrafficPolicy/default/reviews'];
    expect(meshResourcesOf(mesh, proxy, `outbound|9080|v1|${FQDN}`)).toEqual(expected);
    expect(meshResourcesOf(mesh, proxy, `9080/${FQDN}:9080`)).toEqual(expected);
  });

  it('traces the inbound side to the proxy\'s own service and the policies that target it, and no others', () => {
    expect(meshResourcesOf(mesh, proxy, 'inbound_127.0.0.5_9080')).toEqual(['MeshService/default/ratings', 'AccessPolicy/default/all', 'AccessPolicy/default/ratings-only']);
  });

  it('traces an external host to its ExternalService', () => {
    expect(meshResourcesOf(mesh, proxy, 'outbound|443||api.payments.example')).toEqual(['ExternalService/default/payments']);
  });

  it('traces what no one service shapes (an outbound listener, a port\'s route configuration) to the Mesh', () => {
    expect(meshResourcesOf(mesh, proxy, '0.0.0.0_9080')).toEqual(['Mesh/default/mesh']);
    expect(meshResourcesOf(mesh, proxy, `outbound|9080||ghost.default.svc.cluster.local`)).toEqual(['Mesh/default/mesh']);
  });
});
