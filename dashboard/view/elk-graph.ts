/**
 * The drawn graph as an ELK graph (namespaces hold services, services hold versions) and ELK's
 * answer as the renderer's positions. ELK's "layered" algorithm puts callers left of what they call,
 * the way people read a request's path; docs/dashboard.md says why ELK and not dagre or fCoSE.
 */
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { EdgeData, GraphElement, NodeData } from './graph-elements';
import type { Point } from './place-new-nodes';

/** A leaf's box, the size the renderer draws it at (label included). */
export const LEAF = { width: 150, height: 36 } as const;

/** A collapsed namespace's box: larger, so it reads when a 1000-service mesh is zoomed out to fit. */
export const COLLAPSED = { width: 300, height: 80 } as const;

/** Room between a caller's column and its callee's: an edge's label (about 170 px) fits on it. */
export const LAYER_GAP = 180;

/** Room between nodes of one column. */
export const NODE_GAP = 30;

const OPTIONS = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  // Edges between namespaces are laid out with the whole hierarchy, not per compound node.
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.layered.spacing.nodeNodeBetweenLayers': String(LAYER_GAP),
  'elk.spacing.nodeNode': String(NODE_GAP),
  'elk.padding': '[top=28,left=12,bottom=12,right=12]',
};

const OVERVIEW = { 'elk.algorithm': 'stress', 'elk.stress.desiredEdgeLength': String(COLLAPSED.width * 2) };

export function toElkGraph(nodes: readonly GraphElement<NodeData>[], edges: readonly GraphElement<EdgeData>[]): ElkNode {
  const byId = new Map<string, ElkNode>();
  for (const { data } of nodes) byId.set(data.id, { id: data.id });
  // A flat graph (every namespace collapsed: the overview of a large mesh) gets ELK's stress layout:
  // namespaces call each other both ways and through long chains, which layers would stretch into a
  // strip too thin to read once fitted to the screen.
  const flat = nodes.every(({ data }) => !data.parent);
  const root: ElkNode = { id: '__root', layoutOptions: flat ? { ...OPTIONS, ...OVERVIEW } : OPTIONS, children: [] };
  for (const { data } of nodes) {
    const parent = (data.parent && byId.get(data.parent)) || root;
    (parent.children ??= []).push(byId.get(data.id)!);
  }
  for (const { data } of nodes) {
    const node = byId.get(data.id)!;
    if (!node.children) Object.assign(node, data.kind === 'namespace' ? COLLAPSED : LEAF);
  }
  root.edges = edges.map(({ data }): ElkExtendedEdge => ({ id: data.id, sources: [data.source], targets: [data.target] }));
  return root;
}

/** Centres of the leaves in absolute coordinates (ELK gives each node's corner relative to its parent). */
export function leafPositions(laidOut: ElkNode): Map<string, Point> {
  const positions = new Map<string, Point>();
  const visit = (node: ElkNode, dx: number, dy: number) => {
    const x = dx + (node.x ?? 0);
    const y = dy + (node.y ?? 0);
    if (node.children?.length) for (const child of node.children) visit(child, x, y);
    else positions.set(node.id, { x: x + (node.width ?? 0) / 2, y: y + (node.height ?? 0) / 2 });
  };
  for (const child of laidOut.children ?? []) visit(child, 0, 0);
  return positions;
}
