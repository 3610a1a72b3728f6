import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { API_GROUP } from '../../lib/api';
import type { RawResource } from '../mesh-state';

const MANIFEST = /\.(ya?ml|json)$/;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return filesUnder(full);
      return entry.isFile() && MANIFEST.test(entry.name) ? [full] : [];
    });
}

/** A file that could not be read as manifests; shown on /debug/resources, never fatal. */
export interface ManifestProblem {
  readonly file: string;
  readonly code: string;
  readonly message: string;
}

/** Files parsed by an earlier scan, by path, reused while their size and modification time stay. */
export type ManifestCache = Map<string, { readonly mtimeMs: number; readonly size: number; readonly resources: RawResource[]; readonly problems: ManifestProblem[] }>;

/**
 * Every mesh resource (apiVersion `meshform.dev/…`) in the YAML/JSON files under a folder, in file
 * order. Other objects (Deployments, CRDs: the rest of a synth) are skipped; a file that does not
 * parse is reported and skipped, and the others still load. With a cache, unchanged files are not
 * parsed again and yield the same objects as before.
 */
export function readManifests(dir: string, cache: ManifestCache = new Map()): { resources: RawResource[]; problems: ManifestProblem[] } {
  const resources: RawResource[] = [];
  const problems: ManifestProblem[] = [];
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    return { resources, problems: [{ file: dir, code: 'MANIFEST_UNREADABLE', message: 'is not a folder' }] };
  }
  const seen = new Set<string>();
  for (const file of filesUnder(dir)) {
    seen.add(file);
    const stat = statSync(file, { throwIfNoEntry: false });
    const cached = cache.get(file);
    if (stat && cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) {
      resources.push(...cached.resources);
      problems.push(...cached.problems);
      continue;
    }
    const parsed = parseFile(file);
    if (stat) cache.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, ...parsed });
    resources.push(...parsed.resources);
    problems.push(...parsed.problems);
  }
  for (const file of cache.keys()) if (!seen.has(file)) cache.delete(file);
  return { resources, problems };
}

function parseFile(file: string): { resources: RawResource[]; problems: ManifestProblem[] } {
  const resources: RawResource[] = [];
  const problems: ManifestProblem[] = [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push({ file, code: 'MANIFEST_UNREADABLE', message: (error as Error).message });
    return { resources, problems };
  }
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length > 0) {
      problems.push({ file, code: 'MANIFEST_NOT_YAML', message: `document ${i}: ${doc.errors[0]!.message}` });
      return;
    }
    const object = doc.toJS() as { apiVersion?: unknown } | null;
    const objects = Array.isArray(object) ? object : [object];
    for (const o of objects) {
      if (typeof o?.apiVersion === 'string' && o.apiVersion.startsWith(`${API_GROUP}/`)) resources.push({ object: o, origin: `${file}#${i}` });
    }
  });
  return { resources, problems };
}
