import { renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';

export const PORT = 9080;

export const serviceName = (i: number) => `svc-${i}`;
export const clusterOf = (i: number) => `outbound|${PORT}||${serviceName(i)}.default.svc.cluster.local`;

/** An IP per instance, unique across the mesh: 127.<service / 250>.<service % 250>.<instance + 10>. */
export function instanceIp(service: number, instance: number): string {
  return `127.${1 + Math.floor(service / 250)}.${service % 250}.${instance + 10}`;
}

function atomicWrite(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

const doc = (kind: string, name: string, spec: object) => stringify({ apiVersion: 'meshform.dev/v1alpha1', kind, metadata: { name, namespace: 'default' }, spec });

/** The TrafficRoute of service i, splitting v1/v2 with `v2Weight` to v2, in its own file. */
export function writeRoute(dir: string, i: number, v2Weight: number): void {
  const name = serviceName(i);
  atomicWrite(path.join(dir, `trafficroute-${name}.yaml`), doc('TrafficRoute', name, { service: { name }, rules: [{ backends: [{ version: 'v1', weight: 100 - v2Weight }, { version: 'v2', weight: v2Weight }] }] }));
}

/** N MeshServices with two versions and a TrafficRoute each, one object per file as GitOps output is. */
export function writeMesh(dir: string, services: number): void {
  for (let i = 0; i < services; i++) {
    const name = serviceName(i);
    const spec = { selector: { app: name }, ports: [{ port: PORT, protocol: 'http' }], versions: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] };
    atomicWrite(path.join(dir, `meshservice-${name}.yaml`), doc('MeshService', name, spec));
    writeRoute(dir, i, 10);
  }
}

/** The registry: `endpoints` instances per service; `generation` moves the first instance of service 0. */
export function writeRegistry(file: string, services: number, endpoints: number, generation: number): void {
  const workloads = [];
  for (let s = 0; s < services; s++) {
    for (let e = 0; e < endpoints; e++) {
      workloads.push({
        name: `${serviceName(s)}-${e}`,
        address: instanceIp(s, e),
        labels: { app: serviceName(s), version: e % 2 === 0 ? 'v1' : 'v2' },
        ...(s === 0 && e === 0 ? { ports: { [String(PORT)]: 20000 + generation } } : {}),
      });
    }
  }
  atomicWrite(file, JSON.stringify({ version: 1, workloads }));
}
