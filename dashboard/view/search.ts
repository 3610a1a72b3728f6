/**
 * Finding services by name among all of the snapshot's nodes, drawn or not (a collapsed or
 * filtered-out namespace still answers): every word of the query must appear in the node's name.
 */
import type { GraphNode } from '../../lib/dashboard';

/** `namespace/service` or `namespace/service version`: how the page names a node to a reader. */
export function nodeName(node: Pick<GraphNode, 'namespace' | 'service' | 'version'>): string {
  return node.version ? `${node.namespace}/${node.service} ${node.version}` : `${node.namespace}/${node.service}`;
}

export function searchNodes(nodes: readonly GraphNode[], query: string, limit = 20): GraphNode[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [];
  const found: GraphNode[] = [];
  for (const node of nodes) {
    const name = nodeName(node).toLowerCase();
    if (words.every((w) => name.includes(w))) found.push(node);
    if (found.length === limit) break;
  }
  return found;
}
