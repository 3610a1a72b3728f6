import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ApiObject, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { MeshService } from '../../../constructs';
import { ENVIRONMENTS, applyRank, buildPlatform, orderedObjects } from '../../../stacks';
import { platformStack } from '../../../stacks/pulumi/program';
import { MeshPlatform, SKIP_AWAIT_ANNOTATION, environmentFromConfig, environmentNamed, resourceClassOf, type MeshPlatformArgs } from '../../../pulumi';

interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
}

const resolved = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

/** Runs `register` for one stack against Pulumi's own mocks; returns what reached the engine once every registration is done. */
async function underMocks<T>(stack: string, register: () => T): Promise<{ registered: Registered[]; result: T }> {
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    'meshform',
    stack,
    false,
  );
  const result = register();
  await pulumi.runtime.disconnect();
  return { registered, result };
}

const platformUnderMocks = (stack: string, args: MeshPlatformArgs) =>
  underMocks(stack, () => new MeshPlatform('meshform', args));

describe.each(ENVIRONMENTS)('MeshPlatform for $name', (env) => {
  it('registers exactly the objects cdk8s synthesizes, each under its own Kubernetes type and as a child of the component', async () => {
    const { registered, result: platform } = await platformUnderMocks(env.name, { environment: env });
    const synthesized = orderedObjects(buildPlatform(env)) as Record<string, any>[];
    const children = registered.filter((r) => r.type !== 'meshform:index:MeshPlatform');
    expect(children).toHaveLength(synthesized.length);
    expect(new Set(children.map((r) => `${r.type}::${r.name}`)).size).toBe(children.length);
    for (const o of synthesized) {
      const name = `meshform:${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
      // The SDK's typed classes name the core group `core`.
      const r = children.find((c) => c.name === name && c.type === `kubernetes:${o.apiVersion === 'v1' ? 'core/v1' : o.apiVersion}:${o.kind}`);
      expect(r, `${o.kind} ${o.metadata.name} was not registered`).toBeDefined();
      expect(r!.inputs).toEqual(o);
    }
    for (const { resource } of platform.resources) expect(await resolved(resource.urn)).toContain('::meshform:index:MeshPlatform$kubernetes:');
  });

  it('reports the xDS endpoint, where the CA root is, the namespaces and the object count', async () => {
    const { result: platform } = await platformUnderMocks(env.name, { environment: env });
    expect(platform.xdsEndpoint).toBe('meshform-controller.meshform-system.svc:15012');
    expect(platform.caRoot).toEqual({ secret: 'meshform-system/meshform-ca', configMap: 'meshform-ca-root', key: 'root-cert.pem' });
    expect([...platform.namespaces].sort()).toEqual(['bookinfo', 'meshform-system', 'meshform-telemetry']);
    expect(platform.objectCount).toBe(orderedObjects(buildPlatform(env)).length);
  });
});

describe('MeshPlatform', () => {
  it('registers each kind with its typed SDK class and custom resources as CustomResource', async () => {
    const { result: platform } = await platformUnderMocks('dev', { environment: environmentNamed('dev') });
    const of = (kind: string) => platform.resources.find((r) => r.object.kind === kind)!.resource;
    expect(of('Namespace')).toBeInstanceOf(k8s.core.v1.Namespace);
    expect(of('Deployment')).toBeInstanceOf(k8s.apps.v1.Deployment);
    expect(of('ClusterRole')).toBeInstanceOf(k8s.rbac.v1.ClusterRole);
    expect(of('CustomResourceDefinition')).toBeInstanceOf(k8s.apiextensions.v1.CustomResourceDefinition);
    expect(of('ValidatingWebhookConfiguration')).toBeInstanceOf(k8s.admissionregistration.v1.ValidatingWebhookConfiguration);
    expect(of('TrafficRoute')).toBeInstanceOf(k8s.apiextensions.CustomResource);
  });

  it('makes every object depend on all objects of the rank before its own: namespaces first, CRDs before custom resources', async () => {
    const { result: platform } = await platformUnderMocks('staging', { environment: environmentNamed('staging') });
    const ranks = [...new Set(platform.resources.map((r) => applyRank(r.object)))];
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    const rankOfKind = (kind: string) => applyRank(platform.resources.find((r) => r.object.kind === kind)!.object);
    expect(rankOfKind('Namespace')).toBe(ranks[0]);
    expect(rankOfKind('CustomResourceDefinition')).toBeLessThan(rankOfKind('TrafficRoute'));
    for (const { object, dependsOn } of platform.resources) {
      const index = ranks.indexOf(applyRank(object));
      const before = index === 0 ? [] : platform.resources.filter((r) => applyRank(r.object) === ranks[index - 1]).map((r) => r.resource);
      expect(dependsOn, `${object.kind} ${object.metadata.name}`).toEqual(before);
    }
  });

  it('takes a chart built with the constructs, and without a control plane reports no xDS endpoint or CA root', async () => {
    const chart = new Chart(Testing.app(), 'shop');
    new MeshService(chart, 'reviews', { namespace: 'shop', ports: [{ port: 9080, protocol: 'http' }] });
    const { registered, result: platform } = await platformUnderMocks('dev', { chart });
    expect(registered.filter((r) => r.type !== 'meshform:index:MeshPlatform').map((r) => [r.type, r.name])).toEqual([['kubernetes:meshform.dev/v1alpha1:MeshService', 'meshform:shop/reviews']]);
    expect(platform.objectCount).toBe(1);
    expect(platform.xdsEndpoint).toBeUndefined();
    expect(platform.caRoot).toBeUndefined();
  });

  it('adds the skipAwait annotation to every object when asked, keeping the annotations it had', async () => {
    const chart = () => {
      const c = new Chart(Testing.app(), 'shop');
      new ApiObject(c, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
      new ApiObject(c, 'config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shop', namespace: 'shop', annotations: { owner: 'payments' } } });
      return c;
    };
    const annotations = (p: MeshPlatform) => p.resources.map((r) => r.object.metadata.annotations);
    const { result: skipping } = await platformUnderMocks('dev', { chart: chart(), skipAwait: true });
    expect(annotations(skipping)).toEqual([{ [SKIP_AWAIT_ANNOTATION]: 'true' }, { owner: 'payments', [SKIP_AWAIT_ANNOTATION]: 'true' }]);
    const { result: awaiting } = await platformUnderMocks('dev', { chart: chart() });
    expect(annotations(awaiting)).toEqual([undefined, { owner: 'payments' }]);
  });

  it('uses stable names, so a second run registers the same resources', async () => {
    const names = async () => (await platformUnderMocks('prod', { environment: environmentNamed('prod') })).registered.map((r) => `${r.type}::${r.name}`);
    const first = await names();
    expect(await names()).toEqual(first);
  });
});

describe('resourceClassOf', () => {
  it.each([
    ['v1', 'ConfigMap', k8s.core.v1.ConfigMap],
    ['policy/v1', 'PodDisruptionBudget', k8s.policy.v1.PodDisruptionBudget],
    ['networking.k8s.io/v1', 'NetworkPolicy', k8s.networking.v1.NetworkPolicy],
    ['meshform.dev/v1alpha1', 'Mesh', k8s.apiextensions.CustomResource],
    ['gateway.networking.k8s.io/v1', 'Gateway', k8s.apiextensions.CustomResource],
    ['apps/v1', 'NoSuchKind', k8s.apiextensions.CustomResource],
  ])('registers %s %s with its SDK class', (apiVersion, kind, expected) => {
    expect(resourceClassOf({ apiVersion, kind, metadata: { name: 'x' } })).toBe(expected);
  });
});

describe('the stacks/pulumi program', () => {
  it('deploys the environment named by the stack with its Pulumi.<stack>.yaml overrides and exports the outputs', async () => {
    pulumi.runtime.setAllConfig({ 'meshform:tracingSamplingPercent': '50' });
    try {
      const { registered, result: outputs } = await underMocks('prod', () => platformStack());
      expect(outputs).toMatchObject({ environment: 'prod', xdsEndpoint: 'meshform-controller.meshform-system.svc:15012', objectCount: 99 });
      const telemetry = registered.find((r) => r.type === 'kubernetes:meshform.dev/v1alpha1:Telemetry');
      expect(telemetry?.inputs.spec.tracing.samplingPercent).toBe(50);
      expect(registered.filter((r) => r.type.startsWith('kubernetes:'))).toHaveLength(99);
    } finally {
      pulumi.runtime.setAllConfig({});
    }
  });

  it('maps stack config onto the typed environment and rejects a bad value with the environment and field', () => {
    expect(environmentFromConfig('dev', (k) => ({ mtlsMode: 'STRICT' })[k as 'mtlsMode']).mtlsMode).toBe('STRICT');
    expect(() => environmentFromConfig('prod', (k) => ({ tracingSamplingPercent: '150' })[k as 'tracingSamplingPercent'])).toThrow(/environment "prod": tracingSamplingPercent/);
    expect(() => environmentFromConfig('qa', () => undefined)).toThrow(/no environment named "qa"/);
  });
});
