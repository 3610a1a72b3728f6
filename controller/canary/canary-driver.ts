import type { CanarySpec, CanaryStatus, MeshResource } from '../../lib/api';
import { parseDuration } from '../../lib/api';
import { advanceCanary, checkCanary, initialCanaryStatus, withCanaryWeight } from '../../lib/canary';
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
  /** The canary's status changed (written as its status; shown on the debug endpoint). */
  publish(key: string, status: CanaryStatus): void;
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
  before: Sample[];
}

const keyOf = (r: MeshResource) => `${r.metadata.namespace ?? 'default'}/${r.metadata.name}`;

async function fetchMetrics(address: string): Promise<string> {
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

  constructor(
    private readonly host: CanaryDriverHost,
    options: CanaryDriverOptions = {},
  ) {
    this.scrape = options.scrape ?? fetchMetrics;
    this.now = options.now ?? Date.now;
  }

  /** Current statuses by canary key. */
  statuses(): Map<string, CanaryStatus> {
    return new Map([...this.runs].map(([k, r]) => [k, r.status]));
  }

  /** One pass over every canary; call it periodically (every second is plenty). */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const resources = this.host.resources();
      const model = new MeshModel(resources);
      const canaries = model.all('Canary');
      for (const [key, run] of this.runs) {
        if (canaries.some((c) => keyOf(c) === key)) continue;
        this.runs.delete(key);
        this.host.overrideRoute(run.route.namespace, run.route.name, undefined);
      }
      for (const canary of canaries) await this.drive(model, canary);
    } finally {
      this.ticking = false;
    }
  }

  private async drive(model: MeshModel, canary: MeshResource<'Canary'> & { metadata: { namespace: string } }): Promise<void> {
    const key = keyOf(canary);
    const spec = canary.spec;
    const route = model.get('TrafficRoute', canary.metadata.namespace, spec.route);
    const service = model.service(spec.service.namespace ?? canary.metadata.namespace, spec.service.name);
    if (!route || !service) return;
    const specJson = JSON.stringify(spec);
    const selector = { ...service.spec.selector, ...service.spec.versions.find((v) => v.name === spec.canaryVersion)?.labels };
    const addresses = this.host
      .workloads()
      .filter((w) => w.namespace === service.metadata.namespace && selects(selector, w.labels))
      .map((w) => `${w.address}:${SIDECAR_HEALTH_PORT}`);
    let run = this.runs.get(key);
    if (!run || run.specJson !== specJson) {
      const interval = parseDuration(spec.analysis.interval);
      run = { specJson, route: { namespace: canary.metadata.namespace, name: route.metadata.name }, status: initialCanaryStatus(spec.analysis), nextCheckAt: this.now() + interval, before: await this.scrapeAll(addresses) };
      this.runs.set(key, run);
      this.apply(key, route, spec, run.status);
      return;
    }
    this.apply(key, route, spec, run.status);
    if (this.now() < run.nextCheckAt || run.status.phase === 'Succeeded' || run.status.phase === 'Failed') return;
    const after = await this.scrapeAll(addresses);
    const seconds = parseDuration(spec.analysis.interval) / 1000;
    const [signals] = goldenSignals(run.before, after, seconds, () => ({ service: spec.service.name, route: spec.canaryVersion }));
    run.status = advanceCanary(run.status, checkCanary(signals, spec.analysis), spec.analysis, new Date(this.now()).toISOString());
    run.before = after;
    run.nextCheckAt = this.now() + parseDuration(spec.analysis.interval);
    this.apply(key, route, spec, run.status);
  }

  private apply(key: string, route: MeshResource<'TrafficRoute'>, spec: CanarySpec, status: CanaryStatus): void {
    this.host.overrideRoute(route.metadata.namespace ?? 'default', route.metadata.name, withCanaryWeight(route, spec, status.canaryWeight));
    this.host.publish(key, status);
  }

  private async scrapeAll(addresses: readonly string[]): Promise<Sample[]> {
    const texts = await Promise.all(addresses.map((a) => this.scrape(a).catch(() => '')));
    return texts.flatMap(parsePrometheusText);
  }
}
