import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Stack } from '@pulumi/pulumi/automation';
import { ApiObject, JsonPatch, type App } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildPlatform } from '../../stacks';
import { platformStack } from '../../stacks/pulumi/program';
import { REPO_ROOT, startApiServer, type ApiServer, type KubernetesObject } from '../../scripts/k8s/api-server';
import { copyProject, pulumiStack } from './support/pulumi-workspace';

// `pulumi up`, `preview` and `destroy` of stacks/pulumi through the real Pulumi CLI and Kubernetes
// provider (scripts/pulumi/build-pulumi.sh) against a real etcd + kube-apiserver (scripts/k8s). The
// program runs in this process through the Automation API's language runtime: the Node.js language
// host cannot be built from the Go module proxy (see the build script).
//
// The API server runs without kube-controller-manager: nothing rolls Deployments out, runs the Job
// or finishes a Namespace's deletion. So the stacks set `meshform:skipAwait` (Pulumi does not wait for
// readiness), the server runs without the garbage collector (no foreground-deletion finalizer is left
// for a collector that never comes), and the test finishes deleted namespaces itself, as the
// namespace controller would once they are empty.

let api: ApiServer;
let work: string;

beforeAll(async () => {
  api = await startApiServer({ extraArgs: ['--enable-garbage-collector=false'] });
  work = mkdtempSync(path.join(os.tmpdir(), 'meshform-pulumi-'));
});

afterAll(async () => {
  await api?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** What `meshform synth --env <env>` writes, object by object. */
function synthesized(env: string): KubernetesObject[] {
  const out = path.join(work, 'synth');
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'bin/meshform.cjs'), 'synth', '--env', env, '--out', out], { stdio: 'pipe' });
  const dir = path.join(out, env);
  return readdirSync(dir)
    .filter((f) => f !== 'kustomization.yaml')
    .map((f) => parse(readFileSync(path.join(dir, f), 'utf8')) as KubernetesObject);
}

/** The platform with reviews' canary at `weight` percent (the stable version keeps the rest). */
function withCanaryWeight(app: App, weight: number): App {
  const route = app.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'TrafficRoute' && c.name === 'reviews-route')!;
  const split = (route.toJson().spec.rules as { name: string }[]).findIndex((r) => r.name === 'canary-split');
  route.addJsonPatch(JsonPatch.replace(`/spec/rules/${split}/backends/0/weight`, 100 - weight), JsonPatch.replace(`/spec/rules/${split}/backends/1/weight`, weight));
  return app;
}

const describeObject = (o: KubernetesObject) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
const fieldManagers = (o: KubernetesObject) => ((o.metadata.managedFields as { manager: string }[] | undefined) ?? []).map((f) => f.manager);

describe.each(['dev', 'staging', 'prod'])('the %s stack', (stack) => {
  let objects: KubernetesObject[];
  let stackOf: (program?: () => Promise<Record<string, unknown>>) => Promise<Stack>;

  beforeAll(async () => {
    objects = synthesized(stack);
    const workDir = path.join(work, stack);
    copyProject(stack, workDir);
    stackOf = (program = async () => platformStack()) => pulumiStack({ stack, program, workDir, stateDir: path.join(work, 'state'), kubeconfig: api.kubeconfig });
    await (await stackOf()).setConfig('meshform:skipAwait', { value: 'true' });
  });

  it('pulumi up creates every object meshform synth wrote, equal to it in every field the manifest sets', async () => {
    const up = await (await stackOf()).up();
    expect(up.summary.result).toBe('succeeded');
    expect(up.outputs.environment!.value).toBe(stack);
    expect(up.outputs.objectCount!.value).toBe(objects.length);
    expect(up.outputs.xdsEndpoint!.value).toBe('meshform-controller.meshform-system.svc:15012');
    expect(up.outputs.caRoot!.value).toEqual({ secret: 'meshform-system/meshform-ca', configMap: 'meshform-ca-root', key: 'root-cert.pem' });
    expect([...(up.outputs.namespaces!.value as string[])].sort()).toEqual(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name).sort());
    for (const object of objects) {
      const live = await api.get(object.apiVersion, object.kind, object.metadata.name, object.metadata.namespace);
      expect(live, `${describeObject(object)} is not in the API server`).toBeDefined();
      expect(live, describeObject(object)).toMatchObject(object);
      expect(fieldManagers(live!).some((m) => m.startsWith('pulumi-kubernetes')), `${describeObject(object)} managed by ${fieldManagers(live!)}`).toBe(true);
    }
  });

  it('a second pulumi up --expect-no-changes succeeds', async () => {
    const up = await (await stackOf()).up({ expectNoChanges: true });
    expect(up.summary.result).toBe('succeeded');
    expect(Object.keys(up.summary.resourceChanges ?? {})).toEqual(['same']);
  });

  it('pulumi preview --diff shows a changed canary weight as exactly one update, of the reviews route', async () => {
    const preview = await (await stackOf(async () => platformStack((env) => withCanaryWeight(buildPlatform(env), 20)))).preview({ diff: true });
    // Unchanged: every other object, the component and the stack.
    expect(preview.changeSummary).toEqual({ same: objects.length - 1 + 2, update: 1 });
    expect(preview.stdout).toMatch(/~ kubernetes:meshform\.dev\/v1alpha1:TrafficRoute: \(update\)/);
    expect(preview.stdout).toContain('meshform:bookinfo/reviews-route');
    expect(preview.stdout).toMatch(/weight\s*: 90 => 80/);
    expect(preview.stdout).toMatch(/weight\s*: 10 => 20/);
  });

  it('pulumi destroy deletes every object (namespaces left to the namespace controller, which the test stands in for)', async () => {
    const destroy = await (await stackOf()).destroy();
    expect(destroy.summary.result).toBe('succeeded');
    for (const object of objects) {
      const live = await api.get(object.apiVersion, object.kind, object.metadata.name, object.metadata.namespace);
      if (object.kind === 'Namespace') expect(live?.metadata.deletionTimestamp, `${describeObject(object)} is not being deleted`).toBeDefined();
      else expect(live, `${describeObject(object)} is still there`).toBeUndefined();
    }
    for (const ns of objects.filter((o) => o.kind === 'Namespace')) {
      const res = await api.request('PUT', `/api/v1/namespaces/${ns.metadata.name}/finalize`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.metadata.name }, spec: { finalizers: [] } });
      expect(res.status, res.text).toBe(200);
      await api.waitFor(`namespace ${ns.metadata.name} gone`, async () => (await api.get('v1', 'Namespace', ns.metadata.name)) === undefined);
    }
  });
});
