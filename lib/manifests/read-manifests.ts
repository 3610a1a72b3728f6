import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { API_GROUP } from '../api/common';

/** One Kubernetes object read from a manifest file, with where it came from. */
export interface ManifestObject {
  readonly file: string;
  /** 0-based index of the YAML document within the file. */
  readonly index: number;
  readonly object: Record<string, unknown>;
}

/** Parses every YAML document of a manifest text; YAML errors name the file and line. */
export function parseManifests(text: string, file: string): ManifestObject[] {
  const out: ManifestObject[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      throw new Error(`${file}:${e.linePos?.[0]?.line ?? '?'}: ${e.message}`);
    }
    const object = doc.toJS() as unknown;
    if (object === null || object === undefined) return;
    if (typeof object !== 'object' || Array.isArray(object)) throw new Error(`${file}: document ${index} is not a Kubernetes object`);
    out.push({ file, index, object: object as Record<string, unknown> });
  });
  return out;
}

/** Reads every `.yaml`/`.yml`/`.json` file under a folder, in a stable (sorted) order. */
export function readManifestDir(dir: string): ManifestObject[] {
  const files = listFiles(dir).filter((f) => /\.(ya?ml|json)$/.test(f));
  return files.flatMap((f) => parseManifests(fs.readFileSync(f, 'utf8'), path.relative(process.cwd(), f) || f));
}

/** Whether an object is a mesh resource (as opposed to a CRD, Deployment, …). */
export function isMeshObject(object: Record<string, unknown>): boolean {
  return typeof object.apiVersion === 'string' && object.apiVersion.startsWith(`${API_GROUP}/`);
}

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
