import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { API_GROUP } from '../../lib/api';
import { ApiError, REPO_ROOT, startApiServer, type ApiServer, type KubernetesObject } from '../../scripts/k8s/api-server';

// What `meshform synth` writes for every environment, applied to a real kube-apiserver the way a
// user or a GitOps tool would: every object is accepted by server-side apply (with strict field
// validation, so an unknown field in a Deployment fails too), every CRD is structural and
// Established, every mesh resource is stored without a field lost, and `kubectl apply
// --server-side -k dist/<env>` takes the folder's kustomization as it is.

const run = promisify(execFile);
const ENVIRONMENTS = ['dev', 'staging', 'prod'];

let out: string;

beforeAll(async () => {
  out = mkdtempSync(path.join(os.tmpdir(), 'meshform-dist-'));
  await run(path.join(REPO_ROOT, 'node_modules/.bin/tsx'), [path.join(REPO_ROOT, 'cli/main.ts'), 'synth', '--out', out], {
    cwd: REPO_ROOT,
    maxBuffer: 16 << 20,
  });
});

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

interface Manifest {
  file: string;
  object: KubernetesObject;
}

/** Every object of dist/<env>/ in file order (the numeric prefixes order CRDs before their resources). */
function manifests(env: string): Manifest[] {
  const dir = path.join(out, env);
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml').sort();
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'))
      .map((doc) => doc.toJS() as KubernetesObject | null)
      .filter((o): o is KubernetesObject => o !== null)
      .map((object) => ({ file, object })),
  );
}

const isMeshResource = (o: KubernetesObject) => o.apiVersion.startsWith(`${API_GROUP}/`);
const isCrd = (o: KubernetesObject) => o.kind === 'CustomResourceDefinition';

describe.each(ENVIRONMENTS)('dist/%s on a real kube-apiserver', (env) => {
  let api: ApiServer;

  beforeAll(async () => {
    expect(existsSync(path.join(out, env)), `meshform synth wrote no ${env} folder`).toBe(true);
    api = await startApiServer();
  });

  afterAll(async () => {
    await api?.stop();
  });

  it('every object is accepted by server-side apply; CRDs structural and Established; mesh resources stored whole', async () => {
    const all = manifests(env);
    expect(all.filter((m) => isCrd(m.object)).length).toBeGreaterThan(0);
    expect(all.filter((m) => isMeshResource(m.object)).length).toBeGreaterThan(0);

    const refused: string[] = [];
    let crdsReady = false;
    for (const { file, object } of all) {
      if (isMeshResource(object) && !crdsReady) {
        await waitForCrds(api, all.filter((m) => isCrd(m.object)).map((m) => m.object.metadata.name));
        crdsReady = true;
      }
      try {
        await api.apply(object);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        refused.push(`${file}: ${err.message}`);
      }
    }
    expect(refused, 'objects the server refused').toEqual([]);

    for (const { file, object } of all.filter((m) => isMeshResource(m.object))) {
      const stored = await api.get(object.apiVersion, object.kind, object.metadata.name, object.metadata.namespace);
      expect(stored, file).toBeDefined();
      expect(stored!.spec, file).toMatchObject(object.spec as object);
    }
  });

  it('kubectl apply --server-side -k takes the folder as written (kustomization included)', async () => {
    // Same field manager as the apply above: a re-apply by the same tool, which must be clean.
    const output = await api.kubectl(['apply', '--server-side', '--field-manager=meshform-test', '-k', path.join(out, env)]);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(manifests(env).length);
    for (const line of lines) expect(line).toMatch(/ serverside-applied$/);
  });

  // A second manager (a GitOps tool after a first `kubectl apply`) re-applying the same manifests must
  // meet no conflict; it does when the server defaults a field inside an atomic struct the manifest
  // wrote partially (a `valueFrom.fieldRef` without `apiVersion` once did exactly that).
  it('a second field manager re-applies every object without a conflict (canonical manifests)', async () => {
    const conflicts: string[] = [];
    for (const { file, object } of manifests(env)) {
      try {
        await api.apply(object, { fieldManager: 'second-manager', force: false });
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        conflicts.push(`${file}: ${err.message}`);
      }
    }
    expect(conflicts).toEqual([]);
  });
});

async function waitForCrds(api: ApiServer, names: string[]): Promise<void> {
  for (const name of names) {
    const conditions = await api.waitFor(`CRD ${name} Established`, async () => {
      const crd = await api.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', name);
      const conds = ((crd?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []);
      return conds.some((c) => c.type === 'Established' && c.status === 'True') ? conds : undefined;
    });
    expect(conditions.find((c) => c.type === 'NonStructuralSchema'), name).toBeUndefined();
  }
  // Established can precede discovery by a moment; apply resolves kinds through discovery.
  await api.waitFor('discovery of the mesh API', async () => {
    const res = await api.request('GET', `/apis/${API_GROUP}/v1alpha1`);
    return res.status === 200 && (res.body.resources as unknown[]).length > 0;
  });
}
