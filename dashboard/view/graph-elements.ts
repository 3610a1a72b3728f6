/**
 * The snapshot as graph elements, with the reader's view applied: namespaces as compound nodes
 * holding their services (which hold their versions), some namespaces filtered out, some collapsed
 * into one node whose edges stand for all its services' calls. Pure, so the page and the tests build
 * the same elements; ids are stable across snapshots so that an update only touches what changed.
 */
import type { DashboardSnapshot, GoldenSignals, GraphEdge } from '../../lib/dashboard';
import { edgeLabel, formatSignals } from './format';
import { nodeName } from './search';

export interface ViewOptions {
  /** Namespaces to show; all when absent. */
  readonly namespaces?: ReadonlySet<string>;
  /** Namespaces drawn as one node. */
  readonly collapsed?: ReadonlySet<string>;
}

export interface NodeData {
  readonly id: string;
  readonly label: string;
  /** The full name a table or a screen reader gives: `namespace/service version`. */
  readonly name: string;
  readonly kind: 'namespace' | 'service' | 'version' | 'external' | 'gateway' | 'unknown';
  readonly namespace: string;
  readonly parent?: string;
  /** What a screen reader and the search say about the node. */
  readonly description: string;
}

export interface EdgeData {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly label: string;
  readonly signals: GoldenSignals;
  readonly mtls: boolean;
  readonly deniedRps: number;
}

export interface GraphElement<D> {
  readonly group: 'nodes' | 'edges';
  readonly data: D;
  /** Space-separated style classes: `denied`, `plaintext`, `idle`, `collapsed`. */
  readonly classes: string;
}

export interface GraphElements {
  readonly nodes: readonly GraphElement<NodeData>[];
  readonly edges: readonly GraphElement<EdgeData>[];
}

/** The compound node of a namespace; `ns:` cannot start a node id of the snapshot, which has a `/`-joined form. */
export function namespaceNodeId(namespace: string): string {
  return `ns:${namespace}`;
}

export function graphElements(snapshot: DashboardSnapshot, options: ViewOptions = {}): GraphElements {
  const shown = (namespace: string) => !options.namespaces || options.namespaces.has(namespace);
  const collapsed = (namespace: string) => options.collapsed?.has(namespace) ?? false;
  const nodes: GraphElement<NodeData>[] = [];
  const services = new Map<string, number>();
  for (const node of snapshot.nodes) if (node.kind !== 'version') services.set(node.namespace, (services.get(node.namespace) ?? 0) + 1);
  for (const namespace of snapshot.namespaces) {
    if (!shown(namespace)) continue;
    const count = services.get(namespace) ?? 0;
    const label = collapsed(namespace) ? `${namespace} (${count} service${count === 1 ? '' : 's'})` : namespace;
    nodes.push({ group: 'nodes', data: { id: namespaceNodeId(namespace), label, name: `namespace ${namespace}`, kind: 'namespace', namespace, description: `namespace ${label}` }, classes: collapsed(namespace) ? 'collapsed' : '' });
  }
  // A node is idle when nothing reaches it or leaves it: a gateway has no inbound traffic of its own.
  const active = new Set(snapshot.edges.filter((e) => e.signals.rps > 0).flatMap((e) => [e.source, e.target]));
  /** Where a snapshot node is drawn: itself, its namespace's node when collapsed, or nowhere. */
  const drawnAs = new Map<string, string>();
  for (const node of snapshot.nodes) {
    if (!shown(node.namespace)) continue;
    if (collapsed(node.namespace)) {
      drawnAs.set(node.id, namespaceNodeId(node.namespace));
      continue;
    }
    drawnAs.set(node.id, node.id);
    const label = node.version ?? (node.kind === 'service' ? node.service : `${node.service} (${node.kind})`);
    const parent = node.parent ?? namespaceNodeId(node.namespace);
    nodes.push({ group: 'nodes', data: { id: node.id, label, name: nodeName(node), kind: node.kind, namespace: node.namespace, parent, description: `${node.kind} ${nodeName(node)}: ${formatSignals(node.signals)}` }, classes: node.signals.rps === 0 && !active.has(node.id) ? 'idle' : '' });
  }
  // A collapsed namespace's calls merge into one edge per pair of drawn ends; calls inside it vanish.
  const merged = new Map<string, GraphEdge[]>();
  for (const edge of snapshot.edges) {
    const source = drawnAs.get(edge.source);
    const target = drawnAs.get(edge.target);
    if (!source || !target || (source === target && source !== edge.source)) continue;
    const id = source === edge.source && target === edge.target ? edge.id : `${source}->${target}`;
    const group = merged.get(id) ?? [];
    group.push({ ...edge, id, source, target });
    merged.set(id, group);
  }
  const edges = [...merged.values()].map((group) => edgeElement(group.length === 1 ? group[0]! : mergeEdges(group)));
  return { nodes, edges };
}

function edgeElement(edge: GraphEdge): GraphElement<EdgeData> {
  const classes = [edge.deniedRps > 0 ? 'denied' : '', edge.mtls ? '' : 'plaintext', edge.signals.rps === 0 ? 'idle' : ''].filter(Boolean).join(' ');
  return {
    group: 'edges',
    data: { id: edge.id, source: edge.source, target: edge.target, label: edgeLabel(edge.signals, edge.mtls, edge.deniedRps), signals: edge.signals, mtls: edge.mtls, deniedRps: edge.deniedRps },
    classes,
  };
}

/** Several calls as one: rates add, success weighs by rate, p99 is the worst (a true p99 needs the histograms). */
export function mergeEdges(group: readonly GraphEdge[]): GraphEdge {
  const rps = group.reduce((sum, e) => sum + e.signals.rps, 0);
  const judged = group.filter((e) => e.signals.successRate !== null && e.signals.rps > 0);
  const judgedRps = judged.reduce((sum, e) => sum + e.signals.rps, 0);
  const successRate = judgedRps > 0 ? judged.reduce((sum, e) => sum + e.signals.successRate! * e.signals.rps, 0) / judgedRps : null;
  const p99s = group.map((e) => e.signals.p99Ms).filter((p): p is number => p !== null);
  const first = group[0]!;
  return {
    id: first.id,
    source: first.source,
    target: first.target,
    signals: { rps, successRate, p99Ms: p99s.length ? Math.max(...p99s) : null },
    mtls: group.every((e) => e.mtls),
    deniedRps: group.reduce((sum, e) => sum + e.deniedRps, 0),
  };
}
