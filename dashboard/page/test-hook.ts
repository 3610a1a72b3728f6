/** Sets the page's read-only hook for the browser tests and the benchmark (see DashboardTestHook). */
import type { DashboardTestHook } from '../view';
import type { GraphView } from './graph-view';

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
    pan: () => ({ ...cy.pan() }),
  };
}
