import { readMeshDir } from '../lib/manifests';
import { analyzeMesh, formatFinding, type Finding } from '../lib/validation';

/** Runs every check over mesh resources found in manifests; one finding per line. */
export function analyzeDir(dir: string): Finding[] {
  const mesh = readMeshDir(dir);
  return [...mesh.findings, ...analyzeMesh(mesh.resources, mesh.placeOf)];
}

/** `meshform analyze <dir>`: exits 1 when anything is wrong. */
export function runAnalyze(dir: string): number {
  const findings = analyzeDir(dir);
  for (const f of findings) console.log(formatFinding(f));
  if (findings.length === 0) console.log(`${dir}: no findings`);
  return findings.length === 0 ? 0 : 1;
}
