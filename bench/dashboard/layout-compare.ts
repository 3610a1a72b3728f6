/**
 * The layout libraries the dashboard could use, timed on the same synthetic mesh in Node (all three
 * are plain JavaScript, so V8 here runs them as Chromium's does): elkjs (layered), dagre (layered)
 * and cytoscape's own fCoSE (force-directed, compound-aware). docs/dashboard.md records why one won.
 */
import { performance } from 'node:perf_hooks';
import dagre from '@dagrejs/dagre';
import cytoscape from 'cytoscape';
import fcose from 'cytoscape-fcose';
import ELK from 'elkjs/lib/elk.bundled.js';
import { graphElements, toElkGraph } from '../../dashboard/view';
import type { DashboardSnapshot } from '../../lib/dashboard';
import { syntheticSnapshot } from './synthetic-snapshot';

export interface LayoutTiming {
  readonly library: string;
  readonly services: number;
  readonly ms: number | null;
  readonly note: string;
}

const SIZE = { width: 120, height: 40 };

/** ELK as the page runs it: the page's own ELK graph (namespaces ⊃ services ⊃ versions). */
async function timeElk(snapshot: DashboardSnapshot): Promise<number> {
  const { nodes, edges } = graphElements(snapshot);
  const started = performance.now();
  await new ELK().layout(toElkGraph(nodes, edges));
  return performance.now() - started;
}

function timeDagre(snapshot: DashboardSnapshot): number {
  const started = performance.now();
  const graph = new dagre.graphlib.Graph({ compound: true }).setGraph({ rankdir: 'LR' }).setDefaultEdgeLabel(() => ({}));
  for (const namespace of snapshot.namespaces) graph.setNode(`ns:${namespace}`, {});
  for (const node of snapshot.nodes) {
    if (node.kind === 'version') continue;
    graph.setNode(node.id, { ...SIZE });
    graph.setParent(node.id, `ns:${node.namespace}`);
  }
  for (const edge of snapshot.edges) graph.setEdge(edge.source, edge.target);
  dagre.layout(graph);
  return performance.now() - started;
}

function timeFcose(snapshot: DashboardSnapshot): number {
  cytoscape.use(fcose);
  const elements: cytoscape.ElementDefinition[] = [
    ...snapshot.namespaces.map((ns) => ({ data: { id: `ns:${ns}` } })),
    ...snapshot.nodes.map((n) => ({ data: { id: n.id, parent: n.parent ?? `ns:${n.namespace}` } })),
    ...snapshot.edges.map((e) => ({ data: { id: e.id, source: e.source, target: e.target } })),
  ];
  const cy = cytoscape({ headless: true, styleEnabled: true, elements, style: [{ selector: 'node', style: { width: SIZE.width, height: SIZE.height } }] });
  const started = performance.now();
  cy.layout({ name: 'fcose', animate: false, randomize: true, quality: 'default' } as cytoscape.LayoutOptions).run();
  const ms = performance.now() - started;
  cy.destroy();
  return ms;
}

/** Times each library once per size; a library that fails or runs past `budgetMs` on a smaller size is not tried on larger ones. */
export async function compareLayouts(sizes: readonly number[], progress: (line: string) => void, budgetMs = 60_000): Promise<LayoutTiming[]> {
  const rows: LayoutTiming[] = [];
  const libraries: [string, string, (s: DashboardSnapshot) => number | Promise<number>][] = [
    ['elkjs layered', 'namespaces and versions as compound nodes (the page\'s own ELK graph)', timeElk],
    ['dagre', 'namespaces as compound nodes (versions left out)', timeDagre],
    ['cytoscape fCoSE', 'namespaces and versions as compound nodes', timeFcose],
  ];
  for (const [library, note, run] of libraries) {
    let over = false;
    for (const services of sizes) {
      if (over) {
        rows.push({ library, services, ms: null, note: `not run: over ${budgetMs / 1000} s at a smaller size` });
        continue;
      }
      progress(`layout ${library} on ${services} services`);
      const ms = await run(syntheticSnapshot({ services }));
      over = ms > budgetMs;
      rows.push({ library, services, ms, note });
    }
  }
  return rows;
}
