import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, buildPlatform, manifestFileName, orderedObjects } from '../../../stacks';
import { environmentFromConfig } from '../../../stacks/pulumi/environment-config';
import { registerPlatform, type RegisteredObject } from '../../../stacks/pulumi/register-platform';

interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
}

/** Runs the Pulumi program for one stack against Pulumi's own mocks and returns what it registered. */
async function registeredFor(stack: string, config: Record<string, string> = {}): Promise<{ registered: Registered[]; objects: RegisteredObject[] }> {
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
  const objects = registerPlatform(environmentFromConfig(stack, (k) => config[k]));
  await Promise.all(objects.map((o) => new Promise((resolve) => o.resource.urn.apply(resolve))));
  return { registered, objects };
}

describe.each(ENVIRONMENTS)('the Pulumi program for stack $name', (env) => {
  it('registers exactly the objects cdk8s synthesizes, object for object', async () => {
    const { registered } = await registeredFor(env.name, { mtlsMode: env.mtlsMode, tracingSamplingPercent: String(env.tracingSamplingPercent) });
    const synthesized = orderedObjects(buildPlatform(env)) as Record<string, any>[];
    const byName = new Map(registered.map((r) => [r.name, r]));
    expect(byName.size).toBe(registered.length);
    expect(registered).toHaveLength(synthesized.length);
    for (const o of synthesized) {
      const r = byName.get(manifestFileName(o as any).replace(/\.yaml$/, ''));
      expect(r, `${o.kind} ${o.metadata.name} was not registered`).toBeDefined();
      expect(r!.type).toBe(`kubernetes:${o.apiVersion}:${o.kind}`);
      expect(r!.inputs).toEqual(o);
    }
  });

  it('uses stable names, so a second run registers the same resources', async () => {
    const first = (await registeredFor(env.name)).registered.map((r) => `${r.type}::${r.name}`);
    const second = (await registeredFor(env.name)).registered.map((r) => `${r.type}::${r.name}`);
    expect(second).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
  });
});

describe('the Pulumi program', () => {
  it('makes every custom resource depend on its CRD and every namespaced object on its namespace', async () => {
    const { objects } = await registeredFor('dev');
    const crdOf = (kind: string) => objects.find((x) => x.object.kind === 'CustomResourceDefinition' && (x.object.spec as any).names.kind === kind)?.resource;
    const namespaceOf = (name: string) => objects.find((x) => x.object.kind === 'Namespace' && x.object.metadata.name === name)?.resource;
    let checked = 0;
    for (const { object, dependsOn } of objects) {
      if (object.apiVersion.startsWith('meshform.dev/')) {
        expect(crdOf(object.kind), `no CRD for ${object.kind}`).toBeDefined();
        expect(dependsOn, `${object.kind} ${object.metadata.name}`).toContain(crdOf(object.kind));
        checked += 1;
      }
      const ns = object.metadata.namespace && namespaceOf(object.metadata.namespace);
      if (ns) expect(dependsOn, `${object.kind} ${object.metadata.name}`).toContain(ns);
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('maps stack config onto the typed environment and rejects a bad value with the environment and field', () => {
    expect(environmentFromConfig('dev', (k) => ({ mtlsMode: 'STRICT' })[k as 'mtlsMode']).mtlsMode).toBe('STRICT');
    expect(() => environmentFromConfig('prod', (k) => ({ tracingSamplingPercent: '150' })[k as 'tracingSamplingPercent'])).toThrow(/environment "prod": tracingSamplingPercent/);
    expect(() => environmentFromConfig('qa', () => undefined)).toThrow(/no environment named "qa"/);
  });
});
