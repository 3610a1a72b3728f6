import * as path from 'node:path';
import { LocalMesh } from '../runner';
import { environmentNamed } from '../stacks/environments';
import { writeGitOpsFolder } from '../stacks/gitops-output';
import { buildPlatform } from '../stacks/platform';

/** `meshform up`'s options (cli/commands/up.ts). */
export interface UpOptions {
  readonly env: string;
  /** A folder of manifests to run instead of synthesizing `env`. */
  readonly manifests?: string;
  readonly workspace: string;
  /** Second octet of the loopback addresses (127.<subnet>.k.x). */
  readonly subnet: number;
  readonly verbose?: boolean;
}

/** `meshform up`: the embedded default, until Ctrl-C or SIGTERM. */
export async function runUp(values: UpOptions): Promise<number> {
  const started = Date.now();
  const step = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
  let manifests = values.manifests;
  if (manifests === undefined) {
    manifests = path.join('dist', values.env);
    const files = writeGitOpsFolder(buildPlatform(environmentNamed(values.env)), manifests);
    step(`synthesized ${values.env}: ${files.length} objects → ${manifests}`);
  }
  const mesh = await LocalMesh.start({
    manifestsDir: path.resolve(manifests),
    workspaceDir: path.resolve(values.workspace),
    subnet: Number(values.subnet),
    progress: step,
    ...(values.verbose ? { logs: (name: string, line: string) => console.error(`${name}: ${line}`) } : {}),
  });
  step('mesh is up');
  console.log(describeMesh(mesh));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  step('stopping: draining sidecars');
  await mesh.stop();
  step('stopped');
  return 0;
}

/** What runs where, and a curl line for each entry point. */
export function describeMesh(mesh: LocalMesh): string {
  const rows = mesh.instances.map((i) => [i.name, `${i.appIp}:${i.ports[0]?.targetPort ?? ''}`, i.sidecar ? `${i.instanceIp}:${i.ports.map((p) => p.port).join(',')}` : '(no sidecar)', i.adminAddress ?? '']);
  const header = ['instance', 'application', 'sidecar inbound', 'sidecar admin'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c]!)).join('  ');
  const services = [...new Set(mesh.instances.map((i) => i.service))];
  const curls = services.map((svc) => {
    const { url, host } = mesh.entry(svc);
    return `  curl -H 'host: ${host}' ${url}/`;
  });
  return [
    line(header),
    ...rows.map(line),
    '',
    `controller admin: http://${mesh.controllerAdmin}/debug/config_dump?proxy=<node id>   ingress admin: http://${mesh.ingress.adminAddress}/stats/prometheus`,
    'call a service through the ingress sidecar:',
    ...curls,
  ].join('\n');
}
