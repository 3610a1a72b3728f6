import * as fs from 'node:fs';
import * as path from 'node:path';
import { readMeshDir } from '../lib/manifests';
import { exportToGatewayApi, exportToIstio, formatNote } from '../lib/migrate';
import { formatFinding } from '../lib/validation';
import { yamlDocuments } from './import-command';

export interface ExportOptions {
  readonly to: 'istio' | 'gateway-api';
  readonly out?: string;
}

/** `meshform export --to istio|gateway-api <dir>`: exits 1 when a resource is invalid (it is left out). */
export function runExport(dir: string, options: ExportOptions): number {
  const mesh = readMeshDir(dir);
  for (const f of mesh.findings) console.error(formatFinding(f));
  const exported = options.to === 'gateway-api' ? exportToGatewayApi(mesh.resources) : exportToIstio(mesh.resources);
  for (const n of exported.notes) console.error(formatNote(n));
  const text = yamlDocuments(exported.objects);
  if (options.out) {
    fs.mkdirSync(options.out, { recursive: true });
    const file = path.join(options.out, `${options.to}.yaml`);
    fs.writeFileSync(file, text);
    console.log(`${mesh.resources.length} Meshform resources exported to ${file}`);
  } else {
    process.stdout.write(text);
  }
  return mesh.findings.length === 0 ? 0 : 1;
}
