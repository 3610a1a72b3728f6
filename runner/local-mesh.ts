import * as fs from 'node:fs';
import * as path from 'node:path';
import { DemoGrpcService, DemoService, knobsFromEnv } from '../examples/demo-services';
import type { GatewayListener } from '../lib/api';
import { readMeshDir } from '../lib/manifests';
import { MeshModel } from '../lib/model';
import { gatewayCalls, guideCalls, type GatewayCall, type GuidedCall } from './call-guide';
import { ensureDemoTls } from './demo-tls';
import { planGateways, type PlannedGateway } from './gateway-plan';
import { SIDECAR_NODE_FLAGS } from '../proxy/node-flags';
import { startCli, type ManagedProcess } from './child-process';
import { Supervisor, type Backoff, type SupervisionEvent } from './supervisor';
import { cliEntry } from './cli-entry';
import { addressesOf, INGRESS_NAME, planInstances, type PlannedInstance } from './instance-plan';
import { removeMeshState, writeMeshState } from './mesh-state';
import { Workspace } from './workspace';

export interface LocalMeshOptions {
  /** Synthesized manifests the controller reads and watches. */
  readonly manifestsDir: string;
  /** Where the registry, tokens and bootstraps go. */
  readonly workspaceDir: string;
  /**
   * Second octet of the loopback addresses (127.<subnet>.k.x), so two meshes can run side by side.
   * @default 10
   */
  readonly subnet?: number;
  /**
   * Service account of the ingress sidecar, the mesh's entry point.
   * @default 'web'
   */
  readonly ingressServiceAccount?: string;
  /** Namespace of the ingress. @default the namespace of the first MeshService */
  readonly ingressNamespace?: string;
  /** OTLP/HTTP endpoint proxies export spans to. */
  readonly otlpEndpoint?: string;
  /** Progress lines ("controller ready", …). */
  readonly progress?: (line: string) => void;
  /** Every stderr line of the processes, prefixed by their name. */
  readonly logs?: (name: string, line: string) => void;
  /** A process that ended on its own, and its restart (the controller and every sidecar are kept running). */
  readonly supervision?: (event: SupervisionEvent) => void;
  /** Restart delays. @default 100 ms doubling to 10 s */
  readonly restartBackoff?: Backoff;
  /** Lifetime of workload certificates (renewed at 80% of it), e.g. '3s' to watch rotation. @default the Mesh's workloadCertTtl */
  readonly certTtl?: string;
}

/** A running gateway: its plan and its admin address. */
export interface RunningGateway extends PlannedGateway {
  readonly adminAddress: string;
}

/** A running instance: its plan, its application and its sidecar's admin address. */
export interface RunningInstance extends PlannedInstance {
  readonly app: DemoService;
  readonly adminAddress?: string;
}

const READY_TIMEOUT_MS = 30_000;

/**
 * The embedded default: a whole mesh on one machine. The controller runs in local mode on the
 * manifests folder, each workload is a demo application with its own sidecar on its own loopback
 * addresses, and each MeshGateway a proxy of its own on its own address: the documented way in.
 * An ingress sidecar that reaches every service by Host stays beside them, for the call guide and
 * tests. Everything stops with `stop()`.
 */
export class LocalMesh {
  private readonly supervisors = new Map<string, Supervisor>();
  private readonly grpcApps: DemoGrpcService[] = [];
  private cliScript = '';
  readonly instances: RunningInstance[] = [];
  controllerAdmin = '';
  private model = new MeshModel([]);
  private workspace!: Workspace;
  ingress!: PlannedInstance & { readonly adminAddress: string };
  readonly gateways: RunningGateway[] = [];
  /** The CA that `--cacert` takes for the gateways' HTTPS listeners: the demo CA in the workspace. */
  demoCaFile = '';

  private constructor(private readonly options: LocalMeshOptions) {}

  static async start(options: LocalMeshOptions): Promise<LocalMesh> {
    const mesh = new LocalMesh(options);
    try {
      await mesh.boot();
    } catch (error) {
      await mesh.stop();
      throw error;
    }
    return mesh;
  }

  /** The instances of a service (optionally one version). */
  of(service: string, version?: string): RunningInstance[] {
    return this.instances.filter((i) => i.service === service && (version === undefined || i.version === version));
  }

  /** The base URL that reaches a service through the ingress sidecar, and the Host header to send. */
  entry(service: string, port?: number): { url: string; host: string } {
    const target = this.instances.find((i) => i.service === service);
    if (!target) throw new Error(`no service named ${service} runs in this mesh`);
    const p = port ?? target.ports[0]!.port;
    return { url: `http://${this.ingress.outboundIp}:${p}`, host: `${service}:${p}` };
  }

  /** Calls through the ingress sidecar that the mesh's access policies allow, and those they deny and why (tried now). */
  guide(): Promise<GuidedCall[]> {
    const firsts = this.instances.filter((i, n) => this.instances.findIndex((j) => j.service === i.service) === n && i.ports[0]?.protocol.startsWith('http'));
    return guideCalls(
      this.model,
      firsts.flatMap((i) => {
        const service = this.model.service(i.namespace, i.service);
        const { url, host } = this.entry(i.service);
        return service ? [{ service, host, baseUrl: url, calls: Object.keys(i.calls) }] : [];
      }),
    );
  }

  /** The address and local port of a gateway's listener (by listener port), and the gateway. */
  gatewayAddress(name: string, port: number, namespace?: string): { address: string; port: number } {
    const gateway = this.gateways.find((g) => g.gateway === name && (namespace === undefined || g.namespace === namespace));
    const local = gateway?.ports[String(port)];
    if (!gateway || local === undefined) throw new Error(`no MeshGateway ${name} with a listener on port ${port} runs in this mesh`);
    return { address: gateway.address, port: local };
  }

  /** For each listener of each ingress gateway, a `curl --resolve …` line the routes serve, tried now. */
  gatewayGuide(): Promise<GatewayCall[]> {
    const entries = this.gateways
      .filter((g) => g.role === 'Ingress')
      .flatMap((g) =>
        g.listeners.map((l) => {
          // A listener for every host (the HTTP one that redirects) is shown with a host the gateway names elsewhere.
          const named = (x: GatewayListener) => [x.hostname, ...(g.hosts[x.name] ?? [])].find((h): h is string => h !== undefined && !h.startsWith('*'));
          const host = named(l) ?? g.listeners.map(named).find((h) => h !== undefined) ?? 'localhost';
          return { name: g.name, address: g.address, port: g.ports[String(l.port)]!, protocol: l.protocol, host, path: g.paths[l.name] ?? '/' };
        }),
      );
    return gatewayCalls(entries, this.demoCaFile);
  }

  /** The process running now for the controller (`'controller'`) or an instance's sidecar (its name). */
  process(name: string): ManagedProcess {
    const supervisor = this.supervisors.get(name);
    if (!supervisor) throw new Error(`no process named ${name} runs in this mesh (${[...this.supervisors.keys()].join(', ')})`);
    return supervisor.current;
  }

  /** Takes an instance's endpoint out of the mesh or puts it back, as scaling a Deployment down and up does to its Endpoints. */
  setEndpointReady(name: string, ready: boolean): void {
    this.workspace.setReady(name, ready);
  }

  /**
   * Deletes an instance as Kubernetes deletes a pod: its endpoint leaves the mesh as its sidecar gets
   * SIGTERM and drains; then, as its ReplicaSet would, the supervisor starts it again.
   */
  terminate(name: string): void {
    this.workspace.setReady(name, false);
    this.process(name).child.kill('SIGTERM');
  }

  async stop(): Promise<void> {
    removeMeshState(this.options.workspaceDir);
    const proxies = [...this.supervisors.values()].filter((s) => s.name !== CONTROLLER);
    await Promise.all(proxies.map((s) => s.stop()));
    await this.supervisors.get(CONTROLLER)?.stop();
    await Promise.all([...this.instances.map((i) => i.app.close()), ...this.grpcApps.map((g) => g.close())]);
  }

  private say(line: string): void {
    this.options.progress?.(line);
  }

  /** Starts a CLI process kept running by a supervisor; `onDown`/`onUp` follow its exits and its return. */
  private supervise(name: string, args: string[], ready: (proc: ManagedProcess) => Promise<void>, nodeFlags: readonly string[] = [], onDown = () => {}, onUp = () => {}): Supervisor {
    const supervisor = new Supervisor(name, {
      launch: () => startCli(name, this.cliScript, args, { nodeFlags, onStderr: (line) => this.options.logs?.(name, line) }),
      ready,
      ...(this.options.restartBackoff ? { backoff: this.options.restartBackoff } : {}),
      onEvent: (event) => {
        if (event.type === 'exited') onDown();
        if (event.type === 'restarted') onUp();
        this.options.supervision?.(event);
      },
    });
    this.supervisors.set(name, supervisor);
    return supervisor;
  }

  private async boot(): Promise<void> {
    this.cliScript = cliEntry();
    const at = (k: number) => addressesOf(k, this.options.subnet ?? 10);
    const { resources } = readMeshDir(this.options.manifestsDir);
    this.model = new MeshModel(resources);
    const planned = planInstances(resources, at);
    const namespace = this.options.ingressNamespace ?? planned[0]?.namespace ?? 'default';
    const ingressPlan: PlannedInstance = {
      name: INGRESS_NAME,
      namespace,
      service: INGRESS_NAME,
      labels: { app: INGRESS_NAME },
      serviceAccount: this.options.ingressServiceAccount ?? 'web',
      sidecar: true,
      ...at(0),
      ports: [],
      calls: {},
    };

    const controllerHost = at(255).instanceIp;
    const workspace = (this.workspace = new Workspace({ dir: this.options.workspaceDir, controllerXds: `${controllerHost}:15010`, ...(this.options.otlpEndpoint ? { otlpEndpoint: this.options.otlpEndpoint } : {}) }));
    const gateways = planGateways(resources, at, planned.length + 1);
    const files = workspace.write(planned, ingressPlan, gateways);
    this.say(`planned ${planned.length} instances of ${new Set(planned.map((p) => p.service)).size} services${gateways.length ? ` and ${gateways.length} gateways` : ''}`);
    const tls = await ensureDemoTls(this.options.manifestsDir, this.options.workspaceDir, resources, gateways);
    this.demoCaFile = tls.caFile;
    if (tls.made.length > 0) this.say(`made demo certificates for Secrets ${tls.made.join(', ')} (CA ${tls.caFile})`);

    // Everything starts at once: sidecars load their protos while the controller starts, and
    // retry the connection until it listens.
    // The root outlives controller restarts within this run only: each `meshform up` starts a new one.
    const caDir = path.join(this.options.workspaceDir, 'ca');
    fs.rmSync(caDir, { recursive: true, force: true });
    let adminPort = 0;
    const controllerReady = async (proc: ManagedProcess) => {
      adminPort = (await proc.waitForLine(readyEvent, READY_TIMEOUT_MS)).adminPort;
    };
    const controller = this.supervise(CONTROLLER, ['controller', '--local', this.options.manifestsDir, '--registry', workspace.registryFile, '--host', controllerHost, '--xds-port', '15010', '--admin-port', '15014', '--ca-dir', caDir, ...(this.options.certTtl ? ['--cert-ttl', this.options.certTtl] : [])], controllerReady);
    const sidecars = [ingressPlan, ...planned.filter((p) => p.sidecar)];
    const proxies = [...sidecars, ...gateways].map(({ name }) => {
      const url = `http://${files.get(name)!.adminAddress}/ready`;
      return this.supervise(name, ['proxy', '--bootstrap', files.get(name)!.bootstrap], (proc) => waitReady(url, proc), SIDECAR_NODE_FLAGS, () => workspace.setReady(name, false), () => workspace.setReady(name, true));
    });

    for (const plan of planned) {
      const calls = Object.fromEntries(Object.entries(plan.calls).map(([svc, port]) => [svc, `http://${plan.sidecar ? plan.outboundIp : at(0).outboundIp}:${port}`]));
      // An HTTP face on the first HTTP port (it also takes the knobs), a gRPC one on each gRPC port.
      const httpPort = plan.ports.find((p) => p.protocol !== 'grpc' && p.protocol !== 'tcp');
      const app = new DemoService({ role: plan.service, version: plan.version ?? 'v1', instance: plan.name, host: plan.appIp, port: httpPort?.targetPort ?? 8080, calls, knobs: knobsFromEnv({}) });
      await app.listen();
      for (const p of plan.ports.filter((x) => x.protocol === 'grpc')) {
        const grpcApp = new DemoGrpcService({ instance: plan.name, host: plan.appIp, port: p.targetPort, knobs: () => app.knobs() });
        this.grpcApps.push(grpcApp);
        await grpcApp.listen();
      }
      this.instances.push({ ...plan, app, ...(files.get(plan.name) ? { adminAddress: files.get(plan.name)!.adminAddress } : {}) });
    }
    this.say(`${planned.length} applications listening`);

    await controller.ready();
    this.controllerAdmin = `${controllerHost}:${adminPort}`;
    this.say(`controller ready: xDS ${controllerHost}:15010, admin ${this.controllerAdmin}`);

    await Promise.all(proxies.map((p) => p.ready()));
    this.ingress = { ...ingressPlan, adminAddress: files.get(INGRESS_NAME)!.adminAddress };
    for (const gateway of gateways) this.gateways.push({ ...gateway, adminAddress: files.get(gateway.name)!.adminAddress });
    this.say(`${sidecars.length} sidecars ready${gateways.length ? `, gateways ${gateways.map((g) => `${g.name} on ${g.address}`).join(', ')}` : ''}`);
    writeMeshState(this.options.workspaceDir, {
      controllerAdmin: this.controllerAdmin,
      sidecars: [...sidecars.map((p) => ({ name: p.name, service: p.service, admin: files.get(p.name)!.adminAddress })), ...gateways.map((g) => ({ name: g.name, service: g.name, admin: files.get(g.name)!.adminAddress }))],
    });
  }
}

const CONTROLLER = 'controller';

/** The controller's `ready` event line, with the ports it listens on. */
function readyEvent(line: string): { adminPort: number } | undefined {
  try {
    const event = JSON.parse(line) as { event?: string; adminPort?: number };
    return event.event === 'ready' && event.adminPort !== undefined ? { adminPort: event.adminPort } : undefined;
  } catch {
    return undefined;
  }
}

/** Polls a process's readiness URL until it answers 200; one that exits or never gets config fails the start. */
async function waitReady(url: string, proc: ManagedProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    if (proc.ended) throw new Error(`${proc.name} exited before it was ready (${url}: ${last})`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${proc.name} was not ready within ${READY_TIMEOUT_MS} ms (${url}: ${last})`);
}
