import * as fs from 'node:fs';
import * as path from 'node:path';
import { readMeshDir } from '../lib/manifests';
import { exportToIstio, formatNote } from '../lib/migrate';
import { formatFinding } from '../lib/validation';
import { yamlDocuments } from './import-command';

export interface ExportOptions {
  readonly to: 'istio';
  readonly out?: string;
}

/** `meshform export --to istio <dir>`: exits 1 when a resource is invalid (it is left out). */
export function runExport(dir: string, options: ExportOptions): number {
  const mesh = readMeshDir(dir);
  for (const f of mesh.findings) console.error(formatFinding(f));
  const exported = exportToIstio(mesh.resources);
  for (const n of exported.notes) console.error(formatNote(n));
  const text = yamlDocuments(exported.objects);
  if (options.out) {
    fs.mkdirSync(options.out, { recursive: true });
    fs.writeFileSync(path.join(options.out, 'istio.yaml'), text);
    console.log(`${mesh.resources.length} Meshform resources exported to ${path.join(options.out, 'istio.yaml')}`);
  } else {
    process.stdout.write(text);
  }
  return mesh.findings.length === 0 ? 0 : 1;
}
