import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { parseManifests, readManifestDir, type ManifestObject } from '../lib/manifests';
import { formatNote, importObjects, typescriptChart, type ImportResult } from '../lib/migrate';

export interface ImportOptions {
  readonly out?: string;
  readonly format: 'yaml' | 'ts';
  readonly strict?: boolean;
}

/** The objects of files and folders, in the order given (a folder's files sorted). */
export function readInputs(paths: readonly string[]): ManifestObject[] {
  return paths.flatMap((p) => (fs.statSync(p).isDirectory() ? readManifestDir(p) : parseManifests(fs.readFileSync(p, 'utf8'), path.relative(process.cwd(), p) || p)));
}

/** Objects as a multi-document YAML text. */
export function yamlDocuments(objects: readonly object[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

function summary(result: ImportResult): string {
  const dropped = result.notes.filter((n) => n.severity === 'dropped').length;
  return `${result.resources.length} Meshform resources, ${result.workloads.length} workload objects copied; ${dropped} fields not carried over, ${result.notes.length - dropped} carried with a difference`;
}

/** `meshform import`: exits 1 under --strict when anything was not carried over. */
export function runImport(paths: readonly string[], options: ImportOptions): number {
  const result = importObjects(readInputs(paths));
  const mesh = options.format === 'ts' ? typescriptChart(result.resources) : yamlDocuments(result.resources);
  const report = result.notes.map(formatNote).join('\n');
  if (options.out) {
    fs.mkdirSync(options.out, { recursive: true });
    fs.writeFileSync(path.join(options.out, options.format === 'ts' ? 'mesh.ts' : 'mesh.yaml'), mesh);
    if (result.workloads.length) fs.writeFileSync(path.join(options.out, 'workloads.yaml'), yamlDocuments(result.workloads));
    fs.writeFileSync(path.join(options.out, 'import-report.txt'), report ? `${report}\n` : '');
    if (report) console.log(report);
    console.log(`${summary(result)}; written to ${options.out}`);
  } else {
    process.stdout.write(mesh);
    if (report) console.error(report);
    console.error(summary(result));
  }
  return options.strict && result.notes.some((n) => n.severity === 'dropped') ? 1 : 0;
}
