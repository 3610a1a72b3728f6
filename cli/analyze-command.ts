import { parseArgs } from 'node:util';
import { isMeshObject, readManifestDir } from '../lib/manifests';
import { analyzeMesh, formatFinding, validateResource, type Finding } from '../lib/validation';
import type { MeshResource } from '../lib/api';

/** Runs every check over mesh resources found in manifests; one finding per line. */
export function analyzeDir(dir: string): Finding[] {
  const findings: Finding[] = [];
  const valid: MeshResource[] = [];
  const where = new Map<MeshResource, string>();
  for (const m of readManifestDir(dir).filter((x) => isMeshObject(x.object))) {
    const meta = (m.object.metadata ?? {}) as { name?: string; namespace?: string };
    const place = `${m.file}#${m.index} ${String(m.object.kind)} ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name ?? '<unnamed>'}`;
    const result = validateResource(m.object, place);
    if (result.ok) {
      valid.push(result.resource);
      where.set(result.resource, place);
    } else {
      findings.push(...result.findings);
    }
  }
  findings.push(...analyzeMesh(valid, (r) => where.get(r) ?? r.metadata.name));
  return findings;
}

/** `meshform analyze <dir>`: exits 1 when anything is wrong. */
export function runAnalyze(argv: string[]): number {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  const dir = positionals[0];
  if (dir === undefined) {
    console.error('usage: meshform analyze <dir>   (checks every mesh resource in the YAML files under <dir>)');
    return 2;
  }
  const findings = analyzeDir(dir);
  for (const f of findings) console.log(formatFinding(f));
  if (findings.length === 0) console.log(`${dir}: no findings`);
  return findings.length === 0 ? 0 : 1;
}
