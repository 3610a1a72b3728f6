import { App, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { MeshControlPlane, MeshService, Workload, type MeshControlPlaneProps } from '../../../constructs';
import { version } from '../../../package.json';
import { expectHardenedPods } from './hardened';

/** Environment-like props, as stacks/ would pass them per environment. */
const ENVIRONMENTS: Record<string, MeshControlPlaneProps> = {
  dev: { replicas: 1, injection: { tracing: { otlpEndpoint: 'http://meshform-otel-collector.meshform-telemetry.svc:4318', samplingPercent: 100 } } },
  staging: { replicas: 2, injection: { mode: 'native', excludeOutboundPorts: [5432] } },
  prod: {
    replicas: 3,
    resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '1Gi' } },
    injection: { resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } } },
    injectionFailurePolicy: 'Fail',
    validationFailurePolicy: 'Fail',
  },
};

function synth(props: MeshControlPlaneProps = {}): any[] {
  const chart = new Chart(new App(), 'control-plane');
  new MeshControlPlane(chart, 'ControlPlane', { crds: false, ...props });
  return Testing.synth(chart);
}

const one = (objects: any[], kind: string, name?: string) => objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

describe('MeshControlPlane', () => {
  for (const [env, props] of Object.entries(ENVIRONMENTS)) {
    it(`synthesizes the ${env} control plane`, () => {
      expect(synth(props)).toMatchSnapshot();
    });
  }

  it('gives more than one replica a PodDisruptionBudget and spreads them over nodes; one replica gets neither', () => {
    const single = synth({ replicas: 1 });
    expect(one(single, 'PodDisruptionBudget')).toBeUndefined();
    expect(one(single, 'Deployment').spec.template.spec.affinity).toBeUndefined();
    const ha = synth({ replicas: 3 });
    expect(one(ha, 'Deployment').spec.replicas).toBe(3);
    expect(one(ha, 'PodDisruptionBudget').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'meshform-controller' } } });
    expect(one(ha, 'Deployment').spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
  });

  it("points the dashboard at the Prometheus it is given, and refuses a URL that is not http(s)", () => {
    const args = (objects: any[]) => one(objects, 'Deployment', 'meshform-controller').spec.template.spec.containers[0].args as string[];
    expect(args(synth()).some((a) => a.startsWith('--prometheus-url'))).toBe(false);
    expect(args(synth({ prometheusUrl: 'http://meshform-prometheus.meshform-telemetry.svc:9090' }))).toContain('--prometheus-url=http://meshform-prometheus.meshform-telemetry.svc:9090');
    expect(() => synth({ prometheusUrl: 'meshform-prometheus:9090' })).toThrow(/prometheusUrl.*"meshform-prometheus:9090" is not an http\(s\) URL/s);
  });

  it('tags the controller and proxy images with the package version', () => {
    const objects = synth();
    const images = [...one(objects, 'Deployment').spec.template.spec.containers, ...one(objects, 'Job').spec.template.spec.containers].map((c: any) => c.image);
    expect(new Set(images)).toEqual(new Set([`ghcr.io/meshform/controller:${version}`]));
    expect(JSON.parse(one(objects, 'ConfigMap', 'meshform-injection').data['injection.json']).proxyImage).toBe(`ghcr.io/meshform/proxy:${version}`);
  });

  it('runs every pod hardened: non-root, read-only root, no capabilities, seccomp RuntimeDefault, resources, and probes on long-running containers', () => {
    const objects = synth({ replicas: 2 });
    expect(objects.filter((o) => o.kind === 'Deployment' || o.kind === 'Job').map((w) => w.kind).sort()).toEqual(['Deployment', 'Job']);
    expectHardenedPods(objects);
    expect(one(objects, 'Namespace').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('exposes xDS (TLS only), metrics (its own port, not the admin port) and the webhooks (443 → 15017) as Services', () => {
    const objects = synth();
    const ports = (name: string) => one(objects, 'Service', name).spec.ports.map((p: any) => `${p.name}:${p.port}->${p.targetPort}`);
    expect(ports('meshform-controller')).toEqual(['tls-xds:15012->15012', 'http-metrics:15015->15015']);
    const controller = one(objects, 'Deployment', 'meshform-controller').spec.template.spec.containers.find((c: any) => c.name === 'controller');
    expect(controller.args).toEqual(expect.arrayContaining(['--xds-port=15012', '--xds-tls', '--admin-port=15014', '--metrics-port=15015']));
    expect(controller.args).not.toContain('--no-xds-tls');
    expect(ports('meshform-webhooks')).toEqual(['https-webhooks:443->15017']);
  });

  it('injects by namespace label, or by pod annotation elsewhere, and never in the control plane or kube-system', () => {
    const webhooks = one(synth(), 'MutatingWebhookConfiguration').webhooks;
    expect(webhooks.map((w: any) => w.clientConfig.service.path)).toEqual(['/inject', '/inject-opt-in']);
    expect(webhooks[0].namespaceSelector.matchExpressions[0]).toEqual({ key: 'meshform.dev/injection', operator: 'In', values: ['enabled'] });
    expect(webhooks[1].failurePolicy).toBe('Ignore');
    for (const w of webhooks) expect(w.namespaceSelector.matchExpressions[1].values).toEqual(expect.arrayContaining(['meshform-system', 'kube-system']));
  });

  it('validates every mesh resource kind through the webhook', () => {
    const [webhook] = one(synth(), 'ValidatingWebhookConfiguration').webhooks;
    expect(webhook.clientConfig.service.path).toBe('/validate');
    expect(webhook.rules[0].resources).toEqual(expect.arrayContaining(['meshes', 'meshservices', 'trafficroutes', 'canaries']));
    expect(webhook.rules[0].resources).toHaveLength(13);
  });

  it('injects MeshService workloads of the app statically, with the sidecar pointing at this control plane', () => {
    const app = new App();
    new MeshControlPlane(new Chart(app, 'control-plane'), 'ControlPlane', { crds: false, namespace: 'mesh' });
    const apps = new Chart(app, 'apps', { namespace: 'shop' });
    new MeshService(apps, 'reviews', { ports: [{ port: 9080 }], workload: Workload.image('reviews:1') });
    new MeshService(apps, 'legacy', { ports: [{ port: 80 }], injectSidecar: false, workload: Workload.image('legacy:1') });
    const deployments = Testing.synth(apps).filter((o) => o.kind === 'Deployment');
    const reviews = deployments.find((d) => d.metadata.name === 'reviews').spec.template;
    expect(reviews.spec.initContainers.map((c: any) => c.name)).toEqual(['meshform-init', 'meshform-proxy']);
    expect(JSON.parse(reviews.metadata.annotations['meshform.dev/bootstrap']).controller.address).toBe('meshform-controller.mesh.svc:15012');
    const legacy = deployments.find((d) => d.metadata.name === 'legacy').spec.template;
    expect(legacy.spec.initContainers).toBeUndefined();
  });

  it('can leave static injection to the webhook', () => {
    const app = new App();
    new MeshControlPlane(new Chart(app, 'control-plane'), 'ControlPlane', { crds: false, staticInjection: false });
    const apps = new Chart(app, 'apps', { namespace: 'shop' });
    new MeshService(apps, 'reviews', { ports: [{ port: 9080 }], workload: Workload.image('reviews:1') });
    const template = Testing.synth(apps).find((o) => o.kind === 'Deployment').spec.template;
    expect(template.spec.initContainers).toBeUndefined();
    expect(template.metadata.annotations).toEqual({ 'meshform.dev/inject': 'true' });
  });
});
