import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../controller/logger';
import { MeshState } from '../../../controller/mesh-state';
import { parseLocalRegistry, sha256Hex, tokenIdentities, workloadsOf } from '../../../controller/sources/local-registry';
import { LocalSource } from '../../../controller/sources/local-source';
import { ManifestFolder } from '../../../controller/sources/manifest-files';
import { eventually, manifest } from '../../support/controller-harness';

const dirs: string[] = [];
const sources: LocalSource[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'meshform-sources-'));
  dirs.push(d);
  return d;
};

const scan = (dir: string) => {
  const folder = new ManifestFolder(dir);
  folder.rescan();
  return folder;
};
const meshService = (name: string, port = 9080) => JSON.stringify(manifest('MeshService', name, { selector: { app: name }, ports: [{ port, protocol: 'http' }] }));
const nameOf = (r: { object: unknown }) => (r.object as { metadata: { name: string } }).metadata.name;
const entry = (i: number, port = 19080) => ({ name: `reviews-${i}`, address: `127.0.0.${i + 1}`, labels: { app: 'reviews' }, ports: { '9080': port } });
/** Moves a file's modification time on, as a later write would: what a rescan looks at. */
const touch = (file: string) => utimesSync(file, new Date(), new Date(Date.now() + 5_000));
/** How synth and the runner write: a temporary file renamed over the old one. */
const replaceFile = (file: string, text: string) => {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
};
afterEach(() => {
  for (const s of sources.splice(0)) s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('manifests folder', () => {
  it('reads mesh resources from YAML and JSON files in nested folders and skips other objects', () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'nested'));
    writeFileSync(path.join(dir, 'a.yaml'), 'apiVersion: meshform.dev/v1alpha1\nkind: Mesh\nmetadata: {name: m}\nspec: {}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n');
    writeFileSync(path.join(dir, 'nested', 'b.json'), JSON.stringify({ apiVersion: 'meshform.dev/v1alpha1', kind: 'MeshService', metadata: { name: 's' }, spec: {} }));
    writeFileSync(path.join(dir, 'notes.txt'), 'apiVersion: meshform.dev/v1alpha1');
    const { resources, problems } = scan(dir).read();
    expect(resources.map((r) => (r.object as { kind: string }).kind)).toEqual(['Mesh', 'MeshService']);
    expect(problems).toEqual([]);
  });

  it('reports a file that is not YAML and still reads the others', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'bad.yaml'), 'kind: [unclosed');
    writeFileSync(path.join(dir, 'good.yaml'), 'apiVersion: meshform.dev/v1alpha1\nkind: Mesh\nmetadata: {name: m}\nspec: {}\n');
    const { resources, problems } = scan(dir).read();
    expect(resources).toHaveLength(1);
    expect(problems).toEqual([expect.objectContaining({ code: 'MANIFEST_NOT_YAML', file: path.join(dir, 'bad.yaml') })]);
  });

  it('returns the same objects for unchanged files on a rescan and reparses a changed one', () => {
    const dir = tempDir();
    const file = path.join(dir, 'a.yaml');
    writeFileSync(file, 'apiVersion: meshform.dev/v1alpha1\nkind: Mesh\nmetadata: {name: m}\nspec: {}\n');
    const folder = scan(dir);
    const first = folder.read().resources[0]!.object;
    folder.rescan();
    expect(folder.read().resources[0]!.object).toBe(first);
    writeFileSync(file, 'apiVersion: meshform.dev/v1alpha1\nkind: Mesh\nmetadata: {name: m2}\nspec: {}\n');
    touch(file);
    folder.rescan();
    expect(folder.read().resources.map(nameOf)).toEqual(['m2']);
  });

  it('re-reads only the files an update names: the others are not looked at, and keep their objects', () => {
    const dir = tempDir();
    const [a, b] = [path.join(dir, 'a.json'), path.join(dir, 'b.json')];
    writeFileSync(a, meshService('a'));
    writeFileSync(b, meshService('b'));
    const folder = scan(dir);
    const before = folder.read().resources;
    writeFileSync(a, meshService('a2'));
    writeFileSync(b, meshService('b2'));
    touch(b);
    folder.update([a]);
    const after = folder.read().resources;
    expect(after.map(nameOf)).toEqual(['a2', 'b']);
    expect(after[1]!.object).toBe(before[1]!.object);
    folder.rescan();
    expect(folder.read().resources.map(nameOf)).toEqual(['a2', 'b2']);
  });

  it('puts a new file in file order and drops a deleted one, as a rescan would', () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'm'));
    for (const f of ['a.json', 'm/b.json', 'z.json']) writeFileSync(path.join(dir, f), meshService(path.basename(f, '.json')));
    const folder = scan(dir);
    for (const f of ['0.json', 'm/a.json', 'm/c.json', 'n.json']) {
      writeFileSync(path.join(dir, f), meshService(`new-${path.basename(f, '.json')}`));
      folder.update([path.join(dir, f)]);
    }
    unlinkSync(path.join(dir, 'm/b.json'));
    folder.update([path.join(dir, 'm/b.json'), path.join(dir, 'notes.txt.tmp')]);
    const order = folder.read().resources.map(nameOf);
    expect(order).toEqual(['new-0', 'a', 'new-a', 'new-c', 'new-n', 'z']);
    expect(scan(dir).read().resources.map(nameOf)).toEqual(order);
  });

  it('walks the tree again when an update names a folder: one that appeared, and one that went', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'a.json'), meshService('a'));
    const folder = scan(dir);
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub', 'b.json'), meshService('b'));
    folder.update([path.join(dir, 'sub')]);
    expect(folder.read().resources.map(nameOf)).toEqual(['a', 'b']);
    expect([...folder.folders]).toEqual([dir, path.join(dir, 'sub')]);
    rmSync(path.join(dir, 'sub'), { recursive: true });
    folder.update([path.join(dir, 'sub')]);
    expect(folder.read().resources.map(nameOf)).toEqual(['a']);
    expect([...folder.folders]).toEqual([dir]);
  });

  it('reports a named file that no longer parses, keeping its last readable resources in force, and the one that is not a folder', () => {
    const dir = tempDir();
    const file = path.join(dir, 'a.yaml');
    writeFileSync(file, 'apiVersion: meshform.dev/v1alpha1\nkind: Mesh\nmetadata: {name: m}\nspec: {}\n');
    const folder = scan(dir);
    writeFileSync(file, 'kind: [unclosed');
    folder.update([file]);
    expect(folder.read().resources.map(nameOf)).toEqual(['m']);
    expect(folder.read().problems).toEqual([expect.objectContaining({ code: 'MANIFEST_NOT_YAML', file, message: expect.stringContaining('its last readable content stays in force') })]);
    // A rescan (the file unchanged since) keeps it so too.
    folder.rescan();
    expect(folder.read().resources.map(nameOf)).toEqual(['m']);
    expect(scan(path.join(dir, 'absent')).read().problems).toEqual([{ file: path.join(dir, 'absent'), code: 'MANIFEST_UNREADABLE', message: 'is not a folder' }]);
  });
});

describe('local registry', () => {
  const registry = {
    version: 1,
    workloads: [{ name: 'reviews-0', address: '127.0.0.3', labels: { app: 'reviews' }, ports: { '9080': 19080 }, serviceAccount: 'reviews', tokenSha256: sha256Hex('t') }],
  };

  it('turns entries into workload instances with defaults, without identities or token hashes', () => {
    expect(workloadsOf(parseLocalRegistry(JSON.stringify(registry), 'r.json'))).toEqual([
      { name: 'reviews-0', namespace: 'default', address: '127.0.0.3', labels: { app: 'reviews' }, ports: { '9080': 19080 }, ready: true },
    ]);
  });

  it('maps token hashes to the identity they prove', () => {
    expect(tokenIdentities(parseLocalRegistry(JSON.stringify(registry), 'r.json')).get(sha256Hex('t'))).toEqual({ namespace: 'default', serviceAccount: 'reviews' });
  });

  it('refuses a registry that is not JSON or not the format, naming the field', () => {
    expect(() => parseLocalRegistry('{', 'r.json')).toThrow(/REGISTRY_INVALID.*not JSON/);
    expect(() => parseLocalRegistry(JSON.stringify({ version: 1, workloads: [{ name: 'x', address: 'not-an-ip' }] }), 'r.json')).toThrow(/workloads\.0\.address/);
    expect(() => parseLocalRegistry(JSON.stringify({ version: 1, workloads: [{ name: 'x', address: '127.0.0.1', tokenSha256: sha256Hex('t') }] }), 'r.json')).toThrow(/serviceAccount/);
  });
  it('reuses the entries equal to the previous read, the same objects, and validates the others', () => {
    const previous = parseLocalRegistry(JSON.stringify({ version: 1, workloads: [entry(0), entry(1), entry(2)] }), 'r.json');
    // One entry changed, one inserted before the rest (found again by name), one dropped.
    const next = parseLocalRegistry(JSON.stringify({ version: 1, workloads: [entry(3), entry(0), entry(1, 20000)] }), 'r.json', previous);
    expect(next.workloads[1]).toBe(previous.workloads[0]);
    expect(next.workloads[2]).not.toBe(previous.workloads[1]);
    expect(next).toEqual(parseLocalRegistry(JSON.stringify({ version: 1, workloads: [entry(3), entry(0), entry(1, 20000)] }), 'r.json'));
    expect(workloadsOf(next)[1]).toBe(workloadsOf(previous)[0]);
  });

  it('reports an invalid registry read with a previous one exactly as without', () => {
    const previous = parseLocalRegistry(JSON.stringify({ version: 1, workloads: [entry(0), entry(1)] }), 'r.json');
    for (const bad of [
      { version: 1, workloads: [entry(0), { ...entry(1), address: 'not-an-ip' }, { name: '', address: '127.0.0.1' }] },
      { version: 2, workloads: [entry(0), entry(1)], extra: true },
      { version: 1, workloads: [entry(0), { ...entry(1), port: 1 }] },
    ]) {
      const text = JSON.stringify(bad);
      const alone = (() => {
        try {
          parseLocalRegistry(text, 'r.json');
        } catch (error) {
          return (error as Error).message;
        }
      })();
      expect(alone).toMatch(/REGISTRY_INVALID/);
      expect(() => parseLocalRegistry(text, 'r.json', previous)).toThrow(alone);
    }
  });
});

describe('local source', () => {
  const start = (dir: string, registryFile?: string) => {
    const state = new MeshState();
    const source = new LocalSource({ manifestsDir: dir, ...(registryFile ? { registryFile } : {}) }, state, createLogger('silent'));
    sources.push(source);
    source.start();
    return { state, source };
  };
  const names = (state: MeshState) => state.resources().map((r) => r.metadata.name);

  it('takes in a rewritten manifest, keeping the others as they were (not parsed or validated again)', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'a.json'), meshService('a'));
    writeFileSync(path.join(dir, 'b.json'), meshService('b'));
    const { state } = start(dir);
    const [a, b] = state.resources();
    replaceFile(path.join(dir, 'a.json'), meshService('a', 9081));
    await eventually(() => state.resources()[0] !== a, 'the rewritten manifest');
    expect(state.resources()[0]).toMatchObject({ spec: { ports: [{ port: 9081 }] } });
    expect(state.resources()[1]).toBe(b);
  });

  it('sees manifests in a new folder and forgets a deleted file', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'a.json'), meshService('a'));
    const { state } = start(dir);
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub', 'b.json'), meshService('b'));
    await eventually(() => names(state).includes('b'), 'the new folder');
    replaceFile(path.join(dir, 'sub', 'c.json'), meshService('c'));
    await eventually(() => names(state).includes('c'), 'a file in the new folder, seen through its own watch');
    unlinkSync(path.join(dir, 'a.json'));
    await eventually(() => !names(state).includes('a'), 'the deleted file');
    expect(names(state)).toEqual(['b', 'c']);
  });

  it('reports a manifest that stops parsing and keeps its last readable resources in force beside the others', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'a.yaml');
    writeFileSync(file, meshService('a'));
    writeFileSync(path.join(dir, 'b.yaml'), meshService('b'));
    const { state, source } = start(dir);
    replaceFile(file, 'kind: [unclosed');
    await eventually(() => source.manifestProblems.length > 0, 'the problem');
    expect(source.manifestProblems).toEqual([expect.objectContaining({ code: 'MANIFEST_NOT_YAML', file })]);
    expect(names(state).sort()).toEqual(['a', 'b']);
    replaceFile(file, meshService('a'));
    await eventually(() => source.manifestProblems.length === 0, 'the fix');
    expect(names(state).sort()).toEqual(['a', 'b']);
  });

  it('keeps the workloads of a rewritten registry that did not change as the same objects', async () => {
    const dir = tempDir();
    const file = path.join(tempDir(), 'registry.json');
    writeFileSync(file, JSON.stringify({ version: 1, workloads: [entry(0), entry(1), entry(2)] }));
    const { state } = start(dir, file);
    const before = state.workloads();
    replaceFile(file, JSON.stringify({ version: 1, workloads: [entry(0), entry(1, 20000), entry(2)] }));
    await eventually(() => state.workloads() !== before, 'the registry change');
    const after = state.workloads();
    expect(after[1]).toMatchObject({ ports: { '9080': 20000 } });
    expect(after[0]).toBe(before[0]);
    expect(after[2]).toBe(before[2]);
  });

  it('reports an invalid registry (REGISTRY_INVALID) and keeps the last valid one in force', async () => {
    const dir = tempDir();
    const file = path.join(tempDir(), 'registry.json');
    writeFileSync(file, JSON.stringify({ version: 1, workloads: [entry(0)] }));
    const { state, source } = start(dir, file);
    const before = state.workloads();
    replaceFile(file, JSON.stringify({ version: 1, workloads: [{ ...entry(0), address: 'not-an-ip' }] }));
    await eventually(() => source.registryProblem, 'the problem');
    expect(source.registryProblem).toMatch(/REGISTRY_INVALID.*workloads\.0\.address/);
    expect(state.workloads()).toBe(before);
    replaceFile(file, JSON.stringify({ version: 1, workloads: [entry(0, 20000)] }));
    await eventually(() => source.registryProblem === undefined, 'the fix');
    expect(state.workloads()[0]).toMatchObject({ ports: { '9080': 20000 } });
  });
});
