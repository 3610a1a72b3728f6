import type { LocalMesh, SupervisionEvent } from '../runner';
import { parsePrometheusText } from '../lib/telemetry';
import { SERVICE, writeChaosMesh } from './chaos-mesh';

/** What a case's action works with while the load runs. */
export interface CaseContext {
  readonly mesh: LocalMesh;
  readonly manifests: string;
  /** Resolves when the load has ended: a periodic action stops then. */
  readonly loadEnded: Promise<void>;
  /** Resolves with the next supervision event `match` accepts. */
  next(match: (event: SupervisionEvent) => boolean): Promise<SupervisionEvent>;
}

export interface ChaosCase {
  readonly name: string;
  /** 'none': no request may fail; 'reported': failures are expected and reported with the time to recovery. */
  readonly allowedFailures: 'none' | 'reported';
  /** Workload certificate lifetime of the case's mesh. @default the mesh's */
  readonly certTtl?: string;
  /** Does its damage while the load runs; resolves with what it did, in words. */
  act(ctx: CaseContext): Promise<string>;
}

/** The instance the stop cases hit: one of the two instances of v1. */
const VICTIM = `${SERVICE}-v1-0`;
/** The instance the scale case takes out and puts back: v2 goes 2 → 1 → 2 every second. */
const SCALED = `${SERVICE}-v2-1`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Repeats `step` every `everyMs` until the load ends; resolves with the number of steps. */
async function repeatUntil(ctx: CaseContext, everyMs: number, step: (i: number) => void): Promise<number> {
  let ended = false;
  void ctx.loadEnded.then(() => (ended = true));
  let i = 0;
  while (!ended) {
    step(i++);
    await sleep(everyMs);
  }
  return i;
}

/** A counter of the controller's /metrics, summed over the series whose labels include `match`. */
async function controllerCounter(mesh: LocalMesh, name: string, match: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`http://${mesh.controllerAdmin}/metrics`)).text();
  return parsePrometheusText(text)
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Kills or terminates a process and waits for its supervisor to bring it back. */
async function stopAndWait(ctx: CaseContext, name: string, stop: () => void): Promise<string> {
  const back = ctx.next((e) => e.type === 'restarted' && e.name === name);
  stop();
  const event = await back;
  return event.type === 'restarted' ? `back after ${seconds(event.downMs)}` : '';
}

export const CHAOS_CASES: readonly ChaosCase[] = [
  {
    name: 'controller killed (SIGKILL)',
    allowedFailures: 'none',
    async act(ctx) {
      const connected = async () => ((await (await fetch(`http://${ctx.mesh.controllerAdmin}/debug/proxies`)).json()) as unknown[]).length;
      const proxies = await connected();
      const back = await stopAndWait(ctx, 'controller', () => ctx.mesh.process('controller').child.kill('SIGKILL'));
      const started = Date.now();
      while ((await connected()) < proxies) await sleep(50);
      return `restarted, ${back}; all ${proxies} sidecars reconnected ${seconds(Date.now() - started)} later`;
    },
  },
  {
    name: `one v1 instance drained (SIGTERM)`,
    allowedFailures: 'none',
    async act(ctx) {
      return `endpoint out, sidecar drained; replaced, ${await stopAndWait(ctx, VICTIM, () => ctx.mesh.terminate(VICTIM))}`;
    },
  },
  {
    name: `one v1 instance killed (SIGKILL)`,
    allowedFailures: 'reported',
    async act(ctx) {
      return `sidecar killed; restarted, ${await stopAndWait(ctx, VICTIM, () => ctx.mesh.process(VICTIM).child.kill('SIGKILL'))}`;
    },
  },
  {
    name: 'v2 scaled 2 → 1 → 2 every second',
    allowedFailures: 'none',
    async act(ctx) {
      const steps = await repeatUntil(ctx, 1_000, (i) => ctx.mesh.setEndpointReady(SCALED, i % 2 === 1));
      ctx.mesh.setEndpointReady(SCALED, true);
      return `${steps} endpoint changes`;
    },
  },
  {
    name: 'certificates rotated (3 s lifetime)',
    allowedFailures: 'none',
    certTtl: '3s',
    async act(ctx) {
      const before = await controllerCounter(ctx.mesh, 'meshform_ca_certificates_issued_total');
      await ctx.loadEnded;
      const issued = (await controllerCounter(ctx.mesh, 'meshform_ca_certificates_issued_total')) - before;
      return `${issued} workload certificates issued and pushed while under load`;
    },
  },
  {
    name: 'route pushed every 100 ms',
    allowedFailures: 'none',
    async act(ctx) {
      // Routes reach a sidecar as its route configuration or, on demand, as virtual hosts.
      const routePushes = async () => (await controllerCounter(ctx.mesh, 'meshform_xds_pushes_total', { type: 'RDS' })) + (await controllerCounter(ctx.mesh, 'meshform_xds_pushes_total', { type: 'VHDS' }));
      const before = await routePushes();
      const changes = await repeatUntil(ctx, 100, (i) => writeChaosMesh(ctx.manifests, i % 2 ? 70 : 50));
      return `${changes} weight changes written; ${(await routePushes()) - before} route updates pushed (RDS + VHDS)`;
    },
  },
];
