import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseLocalRegistry, sha256Hex, tokenIdentities, workloadsOf } from '../../../controller/sources/local-registry';
import { readManifests, type ManifestCache } from '../../../controller/sources/manifest-files';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'meshform-sources-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('manifests folder', () => {
  it('reads mesh resources from YAML and JSON files in nested folders and skips other objects', () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'nested'));
    writeFileSync(path.join(dir, 'a.yaml'), 'apiVersion: meshform.dev/v1alpha1\nkind: Mesh\nmetadata: {name: m}\nspec: {}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n');
    writeFileSync(path.join(dir, 'nested', 'b.json'), JSON.stringify({ apiVersion: 'meshform.dev/v1alpha1', kind: 'MeshService', metadata: { name: 's' }, spec: {} }));
    writeFileSync(path.join(dir, 'notes.txt'), 'apiVersion: meshform.dev/v1alpha1');
    const { resources, problems } = readManifests(dir);
    expect(resources.map((r) => (r.object as { kind: string }).kind)).toEqual(['Mesh', 'MeshService']);
    expect(problems).toEqual([]);
  });

  it('reports a file that is not YAML and still reads the others', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'bad.yaml'), 'kind: [unclosed');
    writeFileSync(path.join(dir, 'good.yaml'), 'apiVersion: meshform.dev/v1alpha1\nkind: Mesh\nmetadata: {name: m}\nspec: {}\n');
    const { resources, problems } = readManifests(dir);
    expect(resources).toHaveLength(1);
    expect(problems).toEqual([expect.objectContaining({ code: 'MANIFEST_NOT_YAML', file: path.join(dir, 'bad.yaml') })]);
  });

  it('returns the same objects for unchanged files and reparses a changed one', () => {
    const dir = tempDir();
    const file = path.join(dir, 'a.yaml');
    writeFileSync(file, 'apiVersion: meshform.dev/v1alpha1\nkind: Mesh\nmetadata: {name: m}\nspec: {}\n');
    const cache: ManifestCache = new Map();
    const first = readManifests(dir, cache).resources[0]!.object;
    expect(readManifests(dir, cache).resources[0]!.object).toBe(first);
    writeFileSync(file, 'apiVersion: meshform.dev/v1alpha1\nkind: Mesh\nmetadata: {name: m2}\nspec: {}\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    expect((readManifests(dir, cache).resources[0]!.object as { metadata: { name: string } }).metadata.name).toBe('m2');
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
});
