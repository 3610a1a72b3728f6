import * as path from 'node:path';
import { describeSupervisionEvent, LocalMesh, type GatewayCall, type GuidedCall } from '../runner';
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
    subnet: values.subnet,
    progress: step,
    supervision: (event) => step(describeSupervisionEvent(event)),
    ...(values.verbose ? { logs: (name: string, line: string) => console.error(`${name}: ${line}`) } : {}),
  });
  step('mesh is up');
  console.log(describeMesh(mesh, await mesh.guide(), await mesh.gatewayGuide()));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  step('stopping: draining sidecars');
  await mesh.stop();
  step('stopped');
  return 0;
}

/** What runs where, then the calls the example's policies allow and those they deny on purpose. */
export function describeMesh(mesh: LocalMesh, calls: readonly GuidedCall[], gatewayCalls: readonly GatewayCall[] = []): string {
  const rows = mesh.instances.map((i) => [i.name, `${i.appIp}:${i.ports[0]?.targetPort ?? ''}`, i.sidecar ? `${i.instanceIp}:${i.ports.map((p) => p.port).join(',')}` : '(no sidecar)', i.adminAddress ?? '']);
  const header = ['instance', 'application', 'sidecar inbound', 'sidecar admin'];
  const curl = (c: GuidedCall) => `curl${c.method === 'GET' ? '' : ` -X ${c.method}`} -H 'host: ${c.host}' ${c.url}`;
  const allowed = calls.filter((c) => c.status >= 200 && c.status < 400);
  const denied = calls.filter((c) => c.why !== undefined);
  const failed = calls.filter((c) => !allowed.includes(c) && !denied.includes(c));
  const through = (c: GatewayCall) => `# ${c.status || 'no answer'}${c.location ? ` → ${c.location}` : ''}`;
  return [
    ...table(header, rows),
    '',
    ...(gatewayCalls.length ? ['the way in: the ingress gateways (each call answered just now):', ...table([], gatewayCalls.map((c) => [`  ${c.curl}`, through(c)])), ''] : []),
    `controller admin: http://${mesh.controllerAdmin}/debug/config_dump?proxy=<node id>   ingress admin: http://${mesh.ingress.adminAddress}/stats/prometheus`,
    'calls through the ingress sidecar that the mesh allows (each answered just now):',
    ...table([], allowed.map((c) => [`  ${curl(c)}`, `# ${c.status}${c.via ? ` (${c.service}, through ${c.via})` : ''}`])),
    ...(denied.length ? ['calls the mesh denies on purpose, and why:', ...denied.flatMap((c) => [`  ${curl(c)}`, `    # ${c.status}: ${c.why}`])] : []),
    ...(failed.length ? ['calls that failed (run with --verbose to see the logs):', ...failed.map((c) => `  ${curl(c)}  # ${c.status || 'no answer'}`)] : []),
  ].join('\n');
}

/** Rows padded into columns (a header row first when given). */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = header.length ? [header, ...rows] : rows;
  const widths = (all[0] ?? []).map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  return all.map((cells) => cells.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
}
