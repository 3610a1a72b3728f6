/**
 * What an update must do to the drawn graph: add, remove, or restyle elements by id. Only the
 * changed ones are touched, so a refresh every few seconds leaves positions (and the reader's
 * selection and zoom) alone.
 */
import type { EdgeData, GraphElement, GraphElements, NodeData } from './graph-elements';

type Element = GraphElement<NodeData> | GraphElement<EdgeData>;

export interface GraphDiff {
  /** Nodes before edges, parents before children, as a renderer must add them. */
  readonly added: readonly Element[];
  readonly removed: readonly string[];
  /** Same id, other data or classes. */
  readonly changed: readonly Element[];
}

/** An element's content as one comparable string; built by the same function each time, so keys keep their order. */
function fingerprint(element: Element): string {
  return `${element.classes}|${JSON.stringify(element.data)}`;
}

export function diffGraph(before: GraphElements, after: GraphElements): GraphDiff {
  const old = new Map<string, string>();
  for (const element of [...before.nodes, ...before.edges]) old.set(element.data.id, fingerprint(element));
  const added: Element[] = [];
  const changed: Element[] = [];
  const kept = new Set<string>();
  for (const element of [...after.nodes, ...after.edges]) {
    const previous = old.get(element.data.id);
    kept.add(element.data.id);
    if (previous === undefined) added.push(element);
    else if (previous !== fingerprint(element)) changed.push(element);
  }
  const removed = [...old.keys()].filter((id) => !kept.has(id));
  return { added, removed, changed };
}
