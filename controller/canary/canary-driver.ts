import type { CanarySpec, CanaryStatus, MeshResource } from '../../lib/api';
import { canaryStatus, parseDuration } from '../../lib/api';
import { advanceCanary, checkCanary, initialCanaryStatus, withCanaryWeight } from '../../lib/canary';
import { canaryEvents, type CanaryEvent } from '../../lib/dashboard';
import { MeshModel } from '../../lib/model';
import { SIDECAR_HEALTH_PORT } from '../../lib/naming';
import { goldenSignals, parsePrometheusText, type Sample } from '../../lib/telemetry';
import { selects, type WorkloadInstance } from '../../lib/translate';

/** What the driver needs from the controller: the mesh it reads, and where its decisions go. */
export interface CanaryDriverHost {
  resources(): readonly MeshResource[];
  workloads(): readonly WorkloadInstance[];
  /** Replaces a TrafficRoute for translation (undefined: back to what the source says). */
  overrideRoute(namespace: string, name: string, route: MeshResource<'TrafficRoute'> | undefined): void;
  /** The canary's current status (written as its status; shown on the debug endpoint). */
  publish(key: string, status: CanaryStatus): void;
  /**
   * Whether this replica decides. The others follow the status the leader wrote on each Canary, so
   * every replica serves the same weights. @default always (one local controller)
   */
  isLeader?(): boolean;
  /** Moves whenever resources may have changed; the driver rebuilds its model only then. @default rebuilt every tick */
  version?(): number;
}

export interface CanaryDriverOptions {
  /** Reads a sidecar's Prometheus exposition at `host:port`. @default fetch of /stats/prometheus */
  readonly scrape?: (address: string) => Promise<string>;
  readonly now?: () => number;
}

interface Run {
  readonly specJson: string;
  readonly route: { readonly namespace: string; readonly name: string };
  status: CanaryStatus;
  nextCheckAt: number;
  /** The canary's counters at the last check; none while following, so a new leader starts a fresh interval. */
  before?: Sample[];
  /** What happened to it, newest last, at most HISTORY_LENGTH. */
  readonly history: CanaryEvent[];
  /** The status the history last recorded. */
  recorded?: CanaryStatus;
}

/** Events kept per canary: a whole rollout of 1% steps with a failed check at each fits. */
const HISTORY_LENGTH = 256;

const keyOf = (r: MeshResource) => `${r.metadata.namespace ?? 'default'}/${r.metadata.name}`;

/** The decision a leader wrote on the Canary's status (beside its Accepted condition), if any. */
function storedStatus(canary: MeshResource<'Canary'>): CanaryStatus | undefined {
  const { conditions: _conditions, ...fields } = ((canary as { status?: unknown }).status ?? {}) as Record<string, unknown>;
  return canaryStatus.safeParse(fields).data;
}

/** Reads a sidecar's Prometheus exposition at its health port (`host:port`). */
export async function scrapeSidecar(address: string): Promise<string> {
  const res = await fetch(`http://${address}/stats/prometheus`, { signal: AbortSignal.timeout(2_000) });
  return res.text();
}

/**
 * Drives Canary resources (Flagger's loop): at each interval it reads the canary version's own
 * sidecars' metrics, judges them against the thresholds and steps, promotes or rolls back the
 * route's weights. A changed Canary spec starts over; a removed one gives the route back.
 */
export class CanaryDriver {
  private readonly runs = new Map<string, Run>();
  private readonly scrape: (address: string) => Promise<string>;
  private readonly now: () => number;
  private ticking = false;
  private model?: MeshModel;
  private modelVersion?: number;

  constructor(
    private readonly host: CanaryDriverHost,
    options: CanaryDriverOptions = {},
  ) {
    this.scrape = options.scrape ?? scrapeSidecar;
    this.now = options.now ?? Date.now;
  }

  /** Current statuses by canary key. */
  statuses(): Map<string, CanaryStatus> {
    return new Map([...this.runs].map(([k, r]) => [k, r.status]));
  }

  /** A canary's start, steps, failed checks, promotion or rollback, newest last (since this replica drove or followed it). */
  history(key: string): readonly CanaryEvent[] {
    return this.runs.get(key)?.history ?? [];
  }

  /** One pass over every canary; call it periodically (every second is plenty). */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const version = this.host.version?.();
      if (!this.model || version === undefined || version !== this.modelVersion) {
        this.model = new MeshModel(this.host.resources());
        this.modelVersion = version;
      }
      const model = this.model;
      const canaries = model.all('Canary');
      for (const [key, run] of this.runs) {
        if (canaries.some((c) => keyOf(c) === key)) continue;
        this.runs.delete(key);
        this.host.overrideRoute(run.route.namespace, run.route.name, undefined);
      }
      const leading = this.host.isLeader?.() ?? true;
      for (const canary of canaries) await this.drive(model, canary, leading);
    } finally {
      this.ticking = false;
    }
  }

  private async drive(model: MeshModel, canary: MeshResource<'Canary'> & { metadata: { namespace: string } }, leading: boolean): Promise<void> {
    const key = keyOf(canary);
    const spec = canary.spec;
    const route = model.get('TrafficRoute', canary.metadata.namespace, spec.route);
    const service = model.service(spec.service.namespace ?? canary.metadata.namespace, spec.service.name);
    if (!route || !service) return;
    const specJson = JSON.stringify(spec);
    const interval = parseDuration(spec.analysis.interval);
    // What a leader (this replica before a restart, or another one) last wrote on the Canary.
    const stored = storedStatus(canary);
    let run = this.runs.get(key);
    if (!run || run.specJson !== specJson) {
      run = { specJson, route: { namespace: canary.metadata.namespace, name: route.metadata.name }, status: !run && stored ? stored : initialCanaryStatus(spec.analysis), nextCheckAt: this.now() + interval, history: [] };
      this.runs.set(key, run);
    }
    if (!leading) {
      if (stored) run.status = stored;
      delete run.before;
      return this.apply(key, route, spec, run);
    }
    const selector = { ...service.spec.selector, ...service.spec.versions.find((v) => v.name === spec.canaryVersion)?.labels };
    const addresses = this.host
      .workloads()
      .filter((w) => w.namespace === service.metadata.namespace && selects(selector, w.labels))
      .map((w) => `${w.address}:${SIDECAR_HEALTH_PORT}`);
    if (!run.before) {
      run.before = await this.scrapeAll(addresses);
      run.nextCheckAt = this.now() + interval;
      return this.apply(key, route, spec, run);
    }
    this.apply(key, route, spec, run);
    if (this.now() < run.nextCheckAt || run.status.phase === 'Succeeded' || run.status.phase === 'Failed') return;
    const after = await this.scrapeAll(addresses);
    const [signals] = goldenSignals(run.before, after, interval / 1000, () => ({ service: spec.service.name, route: spec.canaryVersion }));
    run.status = advanceCanary(run.status, checkCanary(signals, spec.analysis), spec.analysis, new Date(this.now()).toISOString());
    run.before = after;
    run.nextCheckAt = this.now() + interval;
    this.apply(key, route, spec, run);
  }

  private apply(key: string, route: MeshResource<'TrafficRoute'>, spec: CanarySpec, run: Run): void {
    const status = run.status;
    this.host.overrideRoute(route.metadata.namespace ?? 'default', route.metadata.name, withCanaryWeight(route, spec, status.canaryWeight));
    if (run.recorded !== status) {
      run.history.push(...canaryEvents(run.recorded, status, new Date(this.now()).toISOString()));
      run.history.splice(0, run.history.length - HISTORY_LENGTH);
      run.recorded = status;
    }
    this.host.publish(key, status);
  }

  private async scrapeAll(addresses: readonly string[]): Promise<Sample[]> {
    const texts = await Promise.all(addresses.map((a) => this.scrape(a).catch(() => '')));
    return texts.flatMap(parsePrometheusText);
  }
}
