/**
 * A made-up mesh of any size, as the controller's dashboard API would describe it: the benchmark's
 * 1000-service topology and the browser tests' fixtures. Deterministic for a given size and tick, so a
 * later tick changes the figures (and, every few ticks, adds a caller) while keeping every id.
 */
import type { DashboardSnapshot, GraphEdge, GraphNode } from '../../lib/dashboard';

export interface SyntheticOptions {
  readonly services: number;
  /** Services per namespace. @default 50 */
  readonly perNamespace?: number;
  /** Which update this is: figures move with it. @default 0 */
  readonly tick?: number;
}

/** A small linear congruential generator: the same numbers on every run, no dependency. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function serviceId(index: number, perNamespace: number): string {
  return `team-${String(Math.floor(index / perNamespace)).padStart(2, '0')}/svc-${String(index).padStart(4, '0')}`;
}

export function syntheticSnapshot(options: SyntheticOptions): DashboardSnapshot {
  const perNamespace = options.perNamespace ?? 50;
  const tick = options.tick ?? 0;
  const figures = random(options.services * 7919 + tick + 1);
  const signals = (rps: number) => ({ rps, successRate: rps ? 0.9 + figures() * 0.1 : null, p99Ms: rps ? Math.round(5 + figures() * 200) : null });
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const namespaces = new Set<string>();
  for (let i = 0; i < options.services; i++) {
    const id = serviceId(i, perNamespace);
    const [namespace, service] = id.split('/') as [string, string];
    namespaces.add(namespace);
    nodes.push({ id, kind: 'service', namespace, service, signals: signals(Math.round(figures() * 100)) });
    if (i % 3 === 0) {
      for (const version of ['v1', 'v2']) nodes.push({ id: `${id}/${version}`, kind: 'version', namespace, service, version, parent: id, signals: signals(Math.round(figures() * 50)) });
    }
    const structure = random(i + 1);
    // Each service calls one or two earlier ones, mostly in its own namespace: a layered mesh.
    const calls = i === 0 ? 0 : 1 + Math.floor(structure() * 2) + (i % 5 === 0 && tick >= 2 ? 1 : 0);
    for (let c = 0; c < calls; c++) {
      const sameNamespace = structure() < 0.8 && i % perNamespace > 0;
      const low = sameNamespace ? i - (i % perNamespace) : 0;
      const target = serviceId(low + Math.floor(structure() * (i - low)), perNamespace);
      const edgeId = `${id}->${target}`;
      if (edges.some((e) => e.id === edgeId)) continue;
      const rps = Math.round(figures() * 80);
      edges.push({ id: edgeId, source: id, target, signals: signals(rps), mtls: i % 7 !== 0, deniedRps: i % 11 === 0 ? Math.round(figures() * 5) + 1 : 0 });
    }
  }
  return {
    generatedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, tick * 5)).toISOString(),
    source: { kind: 'sidecars', detail: `synthetic mesh of ${options.services} services` },
    windowSeconds: 10,
    namespaces: [...namespaces],
    nodes,
    edges,
    canaries: [],
    proxies: [],
  };
}
