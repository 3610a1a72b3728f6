/**
 * What the browser tests and the benchmark read from the page that the DOM cannot tell them: the
 * canvas's nodes, how an edge is drawn, how many snapshots were applied. The page sets it on
 * `window.meshformDashboard`; it only reads.
 */
export interface DashboardTestHook {
  updates(): number;
  nodeIds(): string[];
  edgeIds(): string[];
  /** How an edge is drawn now, or null when it is not. */
  edge(id: string): { lineColor: string; lineStyle: string; label: string; classes: string[] } | null;
  position(id: string): { x: number; y: number } | null;
  /** The viewport's pan, in screen pixels. */
  pan(): { x: number; y: number };
}
