/**
 * Where nodes that appear in an update go, without laying out the graph again: where they were
 * last seen, else a column left of a node they call or right of one that calls them (as ELK's
 * layers run), else under their siblings, else to the right of everything. Existing nodes never move, so a reader's mental map survives updates.
 */
import { LAYER_GAP, LEAF, NODE_GAP } from './elk-graph';
import type { EdgeData, GraphElement, NodeData } from './graph-elements';

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** From one leaf's centre to the next, as ELK spaces them: a column apart, or a row apart. */
export const SPACING = { x: LEAF.width + LAYER_GAP, y: LEAF.height + NODE_GAP } as const;

/**
 * Positions for the `added` nodes that are leaves (compound nodes take their children's extent).
 * `known` holds every drawn leaf's position and those of nodes drawn before (hidden by a filter or a
 * collapse); it is not changed.
 */
export function placeNewNodes(added: readonly GraphElement<NodeData>[], nodes: readonly GraphElement<NodeData>[], edges: readonly GraphElement<EdgeData>[], known: ReadonlyMap<string, Point>): Map<string, Point> {
  const parents = new Set(nodes.map((n) => n.data.parent).filter((p): p is string => p !== undefined));
  const placed = new Map<string, Point>();
  const at = (id: string) => placed.get(id) ?? known.get(id);
  /** Per node, the nodes it touches and which side of them it belongs on. */
  const neighbours = new Map<string, { id: string; dx: number }[]>();
  const link = (from: string, to: string, dx: number) => neighbours.set(from, [...(neighbours.get(from) ?? []), { id: to, dx }]);
  for (const { data } of edges) {
    link(data.source, data.target, -SPACING.x);
    link(data.target, data.source, SPACING.x);
  }
  const taken = new Set([...known.values()].map(key));
  /** The first free slot going down from `start`, so two new nodes never land on one spot. */
  const free = (start: Point): Point => {
    let point = start;
    while (taken.has(key(point))) point = { x: point.x, y: point.y + SPACING.y };
    taken.add(key(point));
    return point;
  };
  for (const { data } of added) {
    if (parents.has(data.id)) continue;
    const point = known.get(data.id) ?? (data.kind === 'namespace' ? centre(membersOf(data.namespace, nodes, known)) : undefined);
    if (point) {
      placed.set(data.id, point);
      continue;
    }
    const neighbour = (neighbours.get(data.id) ?? []).map(({ id, dx }) => ({ point: at(id), dx })).find((n) => n.point !== undefined);
    const siblings = nodes.filter((n) => n.data.parent === data.parent && n.data.id !== data.id).map((n) => at(n.data.id)).filter((p): p is Point => p !== undefined);
    const everything = [...known.values(), ...placed.values()];
    const start = neighbour
      ? { x: neighbour.point!.x + neighbour.dx, y: neighbour.point!.y }
      : siblings.length
        ? { x: Math.min(...siblings.map((p) => p.x)), y: Math.max(...siblings.map((p) => p.y)) + SPACING.y }
        : everything.length
          ? { x: Math.max(...everything.map((p) => p.x)) + 2 * SPACING.x, y: Math.min(...everything.map((p) => p.y)) }
          : { x: 0, y: 0 };
    placed.set(data.id, free(start));
  }
  return placed;
}

function key(point: Point): string {
  return `${Math.round(point.x)},${Math.round(point.y)}`;
}

/** Known positions of a namespace's nodes, which its collapsed node stands in for. */
function membersOf(namespace: string, nodes: readonly GraphElement<NodeData>[], known: ReadonlyMap<string, Point>): Point[] {
  const prefix = `${namespace}/`;
  const drawn = new Set(nodes.map((n) => n.data.id));
  return [...known.entries()].filter(([id]) => id.startsWith(prefix) && !drawn.has(id)).map(([, p]) => p);
}

function centre(points: readonly Point[]): Point | undefined {
  if (!points.length) return undefined;
  return { x: points.reduce((s, p) => s + p.x, 0) / points.length, y: points.reduce((s, p) => s + p.y, 0) / points.length };
}
