import type { MeshResource } from '../../lib/api';
import { trafficGraph, type GatewayAccount, type GraphEdge, type GraphNode } from '../../lib/dashboard';
import { MeshModel } from '../../lib/model';
import type { WorkloadInstance } from '../../lib/translate';
import type { Logger } from '../logger';
import { SignalSeries } from './signal-series';
import type { TrafficSource } from './traffic-source';

export interface DashboardCollectorOptions {
  readonly source: TrafficSource;
  readonly resources: () => readonly MeshResource[];
  readonly workloads: () => readonly WorkloadInstance[];
  /** Proxies in front of the mesh, named as callers. */
  readonly gateways: (model: MeshModel) => readonly GatewayAccount[];
  readonly log: Logger;
  /** Time between collections while someone watches. @default 3 s */
  readonly intervalMs?: number;
  /** Collection stops this long after the last request. @default 60 s */
  readonly idleMs?: number;
  /** Points kept per service. @default 5 minutes of intervals */
  readonly seriesLength?: number;
  readonly now?: () => number;
}

/** The latest graph and its window. */
export interface CollectedGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  readonly windowSeconds: number;
}

/**
 * Collects traffic only while the dashboard is watched: the first request starts a collection every
 * few seconds, and a minute without requests stops it, so an unwatched controller scrapes nothing.
 * Each collection joins the window's rates with the mesh into the graph and appends every service's
 * signals to its series.
 */
export class DashboardCollector {
  private timer?: NodeJS.Timeout;
  private lastWatched = 0;
  private collecting?: Promise<void>;
  private graph?: CollectedGraph;
  private model?: { readonly resources: readonly MeshResource[]; readonly model: MeshModel };
  private readonly series = new Map<string, SignalSeries>();
  private readonly intervalMs: number;
  private readonly idleMs: number;
  private readonly seriesLength: number;
  private readonly now: () => number;

  constructor(private readonly options: DashboardCollectorOptions) {
    this.intervalMs = options.intervalMs ?? 3_000;
    this.idleMs = options.idleMs ?? 60_000;
    this.seriesLength = options.seriesLength ?? Math.ceil(300_000 / this.intervalMs);
    this.now = options.now ?? Date.now;
  }

  get source(): { kind: 'sidecars' | 'prometheus'; detail: string } {
    return { kind: this.options.source.kind, detail: this.options.source.detail };
  }

  /** Whether collections are running (someone watched within the idle time). */
  get active(): boolean {
    return this.timer !== undefined;
  }

  /** The mesh model of the current resources, rebuilt only when they changed. */
  meshModel(): MeshModel {
    const resources = this.options.resources();
    if (this.model?.resources !== resources) this.model = { resources, model: new MeshModel(resources) };
    return this.model.model;
  }

  /**
   * Marks the dashboard watched and resolves with the latest graph: the first request after idle
   * waits for one collection, so the page never starts from nothing it could have had.
   */
  async watched(): Promise<CollectedGraph> {
    this.lastWatched = this.now();
    const starting = !this.timer;
    if (starting) {
      this.timer = setInterval(() => void this.collect(), this.intervalMs);
      this.timer.unref();
    }
    // Requests that come while the first collection runs wait for it too.
    if (starting || !this.graph) await this.collect();
    return this.graph ?? { ...trafficGraph({ model: this.meshModel(), workloads: [], rates: [] }), windowSeconds: 0 };
  }

  /** A service's series, oldest first (empty until collected). */
  seriesOf(namespace: string, name: string): SignalSeries {
    return this.series.get(`${namespace}/${name}`) ?? new SignalSeries(0);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private collect(): Promise<void> {
    if (this.now() - this.lastWatched > this.idleMs) {
      this.stop();
      return Promise.resolve();
    }
    this.collecting ??= this.collectOnce().finally(() => (this.collecting = undefined));
    return this.collecting;
  }

  private async collectOnce(): Promise<void> {
    try {
      const window = await this.options.source.collect();
      const model = this.meshModel();
      const graph = trafficGraph({ model, workloads: this.options.workloads(), rates: window?.rates ?? [], gateways: this.options.gateways(model) });
      this.graph = { ...graph, windowSeconds: window?.seconds ?? 0 };
      if (!window) return;
      const at = this.now();
      const live = new Set<string>();
      for (const node of graph.nodes) {
        if (node.kind !== 'service') continue;
        live.add(node.id);
        const series = this.series.get(node.id) ?? this.series.set(node.id, new SignalSeries(this.seriesLength)).get(node.id)!;
        series.push(at, node.signals);
      }
      for (const id of this.series.keys()) if (!live.has(id)) this.series.delete(id);
    } catch (err) {
      // A failed collection keeps the last graph; the next interval tries again.
      this.options.log.warn({ code: 'DASHBOARD_COLLECT_FAILED', err }, `dashboard: cannot read traffic from ${this.options.source.detail}`);
    }
  }
}
