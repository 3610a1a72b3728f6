/**
 * What the browser tests and the benchmark read from the page that the DOM cannot tell them: the
 * canvas's nodes, how an edge is drawn, how many snapshots were applied. Read-only.
 */
import type { GraphView } from './graph-view';

export interface DashboardTestHook {
  updates(): number;
  nodeIds(): string[];
  edgeIds(): string[];
  /** How an edge is drawn now, or null when it is not. */
  edge(id: string): { lineColor: string; lineStyle: string; label: string; classes: string[] } | null;
  position(id: string): { x: number; y: number } | null;
}

declare global {
  interface Window {
    meshformDashboard?: DashboardTestHook;
  }
}

export function exposeTestHook(graph: GraphView, updates: () => number): void {
  const cy = graph.cy;
  window.meshformDashboard = {
    updates,
    nodeIds: () => cy.nodes().map((n) => n.id()),
    edgeIds: () => cy.edges().map((e) => e.id()),
    edge: (id) => {
      const edge = cy.getElementById(id);
      if (edge.empty()) return null;
      return { lineColor: edge.style('line-color') as string, lineStyle: edge.style('line-style') as string, label: edge.data('label') as string, classes: edge.classes() as unknown as string[] };
    },
    position: (id) => {
      const node = cy.getElementById(id);
      return node.empty() ? null : { ...node.position() };
    },
  };
}
