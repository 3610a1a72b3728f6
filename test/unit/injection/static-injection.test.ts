import { App, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { MeshService, SidecarInjection, Workload } from '../../../constructs';

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
});
