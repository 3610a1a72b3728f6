import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { describe, expect, it } from 'vitest';
import { ExternalService, MeshService, SIDECAR_INJECT_ANNOTATION, ServiceRef, StrictMtls, Workload } from '../../../constructs';
import { expectFinding, resourceOf, shopChart } from './support';

const versions = (...names: string[]) => names.map((name) => ({ name, labels: { version: name } }));

describe('MeshService', () => {
  it('renders ports with protocols, identity, versions and calls', () => {
    const chart = shopChart();
    const ratings = new MeshService(chart, 'ratings', { ports: [{ port: 50051, protocol: 'grpc' }] });
    const payments = new ExternalService(chart, 'payments', { hosts: ['api.stripe.com'] });
    new MeshService(chart, 'reviews', {
      ports: [{ port: 9080, protocol: 'http' }, { port: 9443, protocol: 'http2', name: 'h2' }, { port: 5432, targetPort: 15432, protocol: 'tcp' }],
      serviceAccount: 'reviews-sa',
      versions: versions('v1', 'v2'),
      calls: [ratings],
    }).addCall(payments);
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  it('creates a ServiceAccount, a Service and a Deployment per version from an image', () => {
    const chart = shopChart();
    new MeshService(chart, 'reviews', { ports: [{ port: 9080 }], versions: versions('v1', 'v2'), workload: Workload.image('meshform/demo:1.0.0', { env: { ROLE: 'reviews' }, envFromLabels: { VERSION: 'version' }, replicas: 2 }) });
    const objects = Testing.synth(chart);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['MeshService/reviews', 'ServiceAccount/reviews', 'Service/reviews', 'Deployment/reviews-v1', 'Deployment/reviews-v2']);
    expect(objects).toMatchSnapshot();
  });

  it('creates one Deployment when the service has no versions, without a sidecar when asked', () => {
    const chart = shopChart();
    new MeshService(chart, 'legacy', { ports: [{ port: 8080 }], injectSidecar: false, workload: Workload.image('legacy:1') });
    const deployment = Testing.synth(chart).find((o) => o.kind === 'Deployment');
    expect(deployment.metadata.name).toBe('legacy');
    expect(deployment.spec.template.metadata.annotations).toEqual({ [SIDECAR_INJECT_ANNOTATION]: 'false' });
    expect(resourceOf(chart, 'MeshService').spec.sidecar).toEqual({ inject: false });
  });

  it('adopts a cdk8s-plus Deployment and Service: their name, ports and identity', () => {
    const chart = shopChart();
    const serviceAccount = new kplus.ServiceAccount(chart, 'Sa', { metadata: { name: 'details-sa' } });
    const deployment = new kplus.Deployment(chart, 'Deployment', { serviceAccount, containers: [{ image: 'details:1', portNumber: 9080, securityContext: { ensureNonRoot: false } }] });
    const service = deployment.exposeViaService({ name: 'details', ports: [{ port: 9080, targetPort: 9080 }] });
    const details = new MeshService(chart, 'Details', { workload: Workload.adopt({ deployments: [deployment], service }) });
    expect(details.name).toBe('details');
    expect(details.serviceAccount).toBe('details-sa');
    expect(resourceOf(chart, 'MeshService').spec).toEqual({ selector: { app: 'details' }, ports: [{ port: 9080, targetPort: 9080 }], serviceAccount: 'details-sa' });
    const podAnnotations = Testing.synth(chart).find((o) => o.kind === 'Deployment').spec.template.metadata.annotations;
    expect(podAnnotations).toEqual({ [SIDECAR_INJECT_ANNOTATION]: 'true' });
  });

  it('rejects a service without ports', () => {
    expectFinding(() => new MeshService(shopChart(), 'reviews'), { code: 'OUT_OF_RANGE', where: 'test/reviews', field: 'spec.ports' });
  });

  it('rejects a protocol the mesh does not speak', () => {
    expectFinding(() => new MeshService(shopChart(), 'reviews', { ports: [{ port: 9080, protocol: 'udp' as 'tcp' }] }), { code: 'NOT_ALLOWED', where: 'test/reviews', field: 'spec.ports[0].protocol' });
  });

  it('rejects the same version twice', () => {
    expectFinding(() => new MeshService(shopChart(), 'reviews', { ports: [{ port: 9080 }], versions: versions('v1', 'v1') }), { code: 'INVALID', where: 'test/reviews', field: 'spec.versions[1].name' });
  });

  it.each([-1, 1001])('rejects %s replicas', (replicas) => {
    expectFinding(() => new MeshService(shopChart(), 'reviews', { ports: [{ port: 9080 }], workload: Workload.image('x', { replicas }) }), { code: 'OUT_OF_RANGE', where: 'test/reviews', field: 'spec.replicas' });
  });

  it('reports at synth a call to an unknown service', () => {
    const chart = shopChart();
    new MeshService(chart, 'reviews', { ports: [{ port: 9080 }], calls: [ServiceRef.fromName('ratings')] });
    expect(() => Testing.synth(chart)).toThrow(/\[UNKNOWN_SERVICE\] test\/reviews: spec\.calls\[0\]\.name/);
  });

  it('reports at synth a workload outside the mesh calling a STRICT one', () => {
    const chart = shopChart();
    const ratings = new MeshService(chart, 'ratings', { ports: [{ port: 9080 }] });
    new StrictMtls(chart, 'Mtls');
    new MeshService(chart, 'legacy', { ports: [{ port: 8080 }], injectSidecar: false, calls: [ratings] });
    expect(() => Testing.synth(chart)).toThrow(/\[STRICT_CALLER_OUTSIDE_MESH\] test\/legacy: spec\.calls\[0\]/);
  });
});
