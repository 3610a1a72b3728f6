import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { Backend, EgressGateway, ExternalService, IngressGateway, Listener, Principal, validateMesh } from '../../../constructs';
import { expectHardenedPods } from '../control-plane/hardened';
import { expectFinding, meshResources, reviewsService, shopChart } from './support';

describe('EgressGateway', () => {
  it('synthesizes an egress MeshGateway on an HTTP port behind a ClusterIP Service, with the same hardened proxy Deployment', () => {
    const chart = shopChart();
    new EgressGateway(chart, 'Out');
    const objects = Testing.synth(chart);
    expect(objects.map((o) => o.kind)).toEqual(['MeshGateway', 'ServiceAccount', 'Deployment', 'Service']);
    expect(objects[0].spec).toEqual({
      role: 'Egress',
      selector: { 'meshform.dev/gateway': 'out' },
      serviceAccount: 'out',
      listeners: [{ name: 'http-80', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: 'Same' } }],
    });
    expect(objects[3].spec.type).toBe('ClusterIP');
    expectHardenedPods(objects);
    expect(JSON.parse(objects[2].spec.template.metadata.annotations['meshform.dev/bootstrap']).gateway).toBe('shop/out');
  });

  it('takes the calls of ExternalServices that name it, with TLS originated there', () => {
    const chart = shopChart();
    const out = new EgressGateway(chart, 'Out');
    new ExternalService(chart, 'Stripe', { hosts: ['api.stripe.com'], tls: { mode: 'ORIGINATE', sni: 'api.stripe.com' }, egressGateway: out });
    expect(validateMesh(chart)).toEqual([]);
    expect(meshResources(chart).find((o) => o.kind === 'ExternalService').spec).toMatchObject({ tls: { mode: 'ORIGINATE' }, egressGateway: { name: 'out' } });
  });

  it('names the egress gateway\'s namespace only when it differs from the ExternalService\'s', () => {
    const chart = shopChart();
    const out = new EgressGateway(chart, 'Out', { namespace: 'egress' });
    new ExternalService(chart, 'Stripe', { hosts: ['api.stripe.com'], egressGateway: out });
    expect(meshResources(chart).find((o) => o.kind === 'ExternalService').spec.egressGateway).toEqual({ name: 'out', namespace: 'egress' });
  });

  it('lets only the allowed callers leave, in one ALLOW policy on the gateway', () => {
    const chart = shopChart();
    const reviews = reviewsService(chart);
    new EgressGateway(chart, 'Out').allow(Principal.service(reviews)).allow(Principal.namespace('billing'));
    const policy = meshResources(chart).find((o) => o.kind === 'AccessPolicy');
    expect(policy.metadata).toMatchObject({ name: 'out-allow', namespace: 'shop' });
    expect(policy.spec).toEqual({
      targetRef: { kind: 'MeshGateway', name: 'out', namespace: 'shop' },
      action: 'ALLOW',
      rules: [{ from: [{ serviceAccounts: ['reviews'], namespaces: ['shop'] }] }, { from: [{ namespaces: ['billing'] }] }],
    });
  });

  it('refuses allow() without a principal, which would let every caller leave', () => {
    expectFinding(() => new EgressGateway(shopChart(), 'Out').allow(), { code: 'REQUIRED', where: 'test/Out', field: 'allow' });
  });

  it('has no access policy until someone is allowed', () => {
    const chart = shopChart();
    new EgressGateway(chart, 'Out');
    expect(meshResources(chart).filter((o) => o.kind === 'AccessPolicy')).toEqual([]);
  });

  it('rejects an ExternalService leaving through an ingress gateway', () => {
    const chart = shopChart();
    const edge = new IngressGateway(chart, 'Edge', { listeners: [Listener.http(80)] });
    expectFinding(() => new ExternalService(chart, 'Stripe', { hosts: ['api.stripe.com'], egressGateway: edge }), { code: 'NOT_AN_EGRESS_GATEWAY', where: 'test/Stripe', field: 'egressGateway' });
  });

  it('rejects a route from the egress gateway to a mesh service', () => {
    const chart = shopChart();
    const reviews = reviewsService(chart);
    expectFinding(() => new EgressGateway(chart, 'Out').addRoute('Back', { rules: [{ backends: [Backend.service(reviews)] }] }), { code: 'BACKEND_NOT_EXTERNAL', where: 'test/Out/Back', field: 'rules[0].backends[0]' });
  });
});
