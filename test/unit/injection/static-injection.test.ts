import { App, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { ExternalService, Mesh, MeshService, OutboundPolicy, SidecarInjection, Workload } from '../../../constructs';

function reviewsTemplate(chart: Chart): any {
  new MeshService(chart, 'reviews', { ports: [{ port: 9080 }], versions: [{ name: 'v1', labels: { version: 'v1' } }], workload: Workload.image('reviews:1') });
  return Testing.synth(chart).find((o) => o.kind === 'Deployment').spec.template;
}

describe('static injection', () => {
  it('injects a SidecarInjection added after the service, with the version labels in the bootstrap', () => {
    const chart = new Chart(new App(), 'apps', { namespace: 'shop' });
    new MeshService(chart, 'reviews', { ports: [{ port: 9080 }], versions: [{ name: 'v1', labels: { version: 'v1' } }], workload: Workload.image('reviews:1') });
    new SidecarInjection(chart, 'Sidecars', { proxyImage: 'p:1', mode: 'classic' });
    const template = Testing.synth(chart).find((o) => o.kind === 'Deployment').spec.template;
    expect(template.spec.containers.map((c: any) => c.name)).toEqual(['meshform-proxy', 'reviews']);
    expect(JSON.parse(template.metadata.annotations['meshform.dev/bootstrap']).node.metadata.LABELS).toEqual({ app: 'reviews', version: 'v1' });
  });

  it("prefers the service chart's own SidecarInjection over another chart's", () => {
    const app = new App();
    new SidecarInjection(new Chart(app, 'other'), 'Sidecars', { proxyImage: 'other:1' });
    const chart = new Chart(app, 'apps', { namespace: 'shop' });
    new SidecarInjection(chart, 'Sidecars', { proxyImage: 'mine:1' });
    const proxy = reviewsTemplate(chart).spec.initContainers.find((c: any) => c.name === 'meshform-proxy');
    expect(proxy.image).toBe('mine:1');
  });

  it('refuses to guess between SidecarInjections of two other charts, naming them', () => {
    const app = new App();
    new SidecarInjection(new Chart(app, 'a'), 'Sidecars', { proxyImage: 'a:1' });
    new SidecarInjection(new Chart(app, 'b'), 'Sidecars', { proxyImage: 'b:1' });
    expect(() => reviewsTemplate(new Chart(app, 'apps', { namespace: 'shop' }))).toThrow(/a\/Sidecars, b\/Sidecars all configure sidecar injection/);
  });

  it("captures the ports of every MeshService and ExternalService in the app, under the app's Mesh outbound policy", () => {
    const app = new App();
    const platform = new Chart(app, 'platform');
    new Mesh(platform, 'mesh', { outboundPolicy: OutboundPolicy.REGISTRY_ONLY });
    new ExternalService(platform, 'payments', { namespace: 'shop', hosts: ['api.payments.example'] });
    const chart = new Chart(app, 'apps', { namespace: 'shop' });
    new SidecarInjection(chart, 'Sidecars', { proxyImage: 'p:1' });
    new MeshService(chart, 'ratings', { ports: [{ port: 9090, protocol: 'grpc' }] });
    const template = reviewsTemplate(chart);
    expect(template.metadata.annotations['meshform.dev/captured-outbound-ports']).toBe('443,9080,9090');
    const script: string = template.spec.initContainers.find((c: any) => c.name === 'meshform-init').command[2];
    expect(script.split('\n').filter((l) => l.includes('DNAT'))).toEqual([
      // reviews listens on 9080 itself: its calls to 9080 go to the remapped proxy port.
      'iptables -w -t nat -A MESHFORM_OUTPUT -p tcp --dport 9080 -j DNAT --to-destination 127.0.0.6:15300',
      'iptables -w -t nat -A MESHFORM_OUTPUT -p tcp --dport 443 -j DNAT --to-destination 127.0.0.6',
      'iptables -w -t nat -A MESHFORM_OUTPUT -p tcp --dport 9080 -j DNAT --to-destination 127.0.0.6',
      'iptables -w -t nat -A MESHFORM_OUTPUT -p tcp --dport 9090 -j DNAT --to-destination 127.0.0.6',
      'iptables -w -t nat -A MESHFORM_OUTPUT -p tcp -j DNAT --to-destination 127.0.0.6:15001',
    ]);
  });

  it('captures a port added to the mesh in every template synthesized after it, so the next rollout carries it', () => {
    const app = new App();
    const chart = new Chart(app, 'apps', { namespace: 'shop' });
    new SidecarInjection(chart, 'Sidecars', { proxyImage: 'p:1' });
    const before = reviewsTemplate(chart);
    expect(before.metadata.annotations['meshform.dev/captured-outbound-ports']).toBe('9080');
    new MeshService(chart, 'ratings', { ports: [{ port: 9090 }] });
    const after = Testing.synth(chart).find((o) => o.kind === 'Deployment').spec.template;
    expect(after.metadata.annotations['meshform.dev/captured-outbound-ports']).toBe('9080,9090');
  });
});
