/**
 * The topology drawn by cytoscape. The first snapshot is laid out by ELK (in a worker, so a large
 * mesh does not freeze the page); later ones only add, remove and restyle what changed, and new
 * nodes are placed beside what they touch, so nothing the reader has seen moves.
 */
import cytoscape from 'cytoscape';
import ELK from 'elkjs/lib/elk-api';
import { diffGraph, type GraphElements, leafPositions, LEAF, placeNewNodes, type Point, toElkGraph } from '../view';
import { GRAPH_STYLE } from './graph-style';

const EMPTY: GraphElements = { nodes: [], edges: [] };

export class GraphView {
  readonly cy: cytoscape.Core;
  private readonly elk = new ELK({ workerUrl: 'elk-worker.js' });
  private drawn: GraphElements = EMPTY;
  /** Where every leaf ever drawn was put (nodes cannot be dragged): a node hidden by a filter or a collapse comes back there. */
  private readonly remembered = new Map<string, Point>();
  /** Until the reader pans, zooms or picks a node, the view keeps fitting the graph as it grows. */
  private viewTouched = false;

  /**
   * `open`: what Enter on the selected node does; `announce`: says the selected node to screen
   * readers (the canvas cannot).
   */
  constructor(
    container: HTMLElement,
    private readonly hooks: { open(id: string): void; announce(text: string): void },
  ) {
    this.cy = cytoscape({ container, style: GRAPH_STYLE, minZoom: 0.05, maxZoom: 3, boxSelectionEnabled: false, autoungrabify: true });
    container.addEventListener('keydown', (event) => this.onKey(event));
    for (const type of ['wheel', 'pointerdown', 'keydown']) container.addEventListener(type, () => (this.viewTouched = true), { passive: true });
  }

  /** Draws `next`; lays out from scratch only when nothing is drawn yet or `relayout` asks. */
  async show(next: GraphElements, relayout = false): Promise<void> {
    if (relayout || this.drawn.nodes.length === 0) return this.layOut(next);
    const diff = diffGraph(this.drawn, next);
    const added = diff.added.filter((e) => e.group === 'nodes') as GraphElements['nodes'];
    const positions = placeNewNodes(added, next.nodes, next.edges, this.remembered);
    for (const [id, point] of positions) this.remembered.set(id, point);
    this.cy.batch(() => {
      const doomed = this.cy.collection();
      for (const id of diff.removed) doomed.merge(this.cy.getElementById(id));
      this.cy.remove(doomed);
      this.cy.add(diff.added.map((e) => ({ group: e.group, data: { ...e.data }, classes: e.classes, position: positions.get(e.data.id) })));
      for (const element of diff.changed) {
        const drawn = this.cy.getElementById(element.data.id);
        const parent = 'parent' in element.data ? element.data.parent : undefined;
        if (drawn.isNode() && drawn.data('parent') !== parent) drawn.move({ parent: parent ?? null });
        drawn.data({ ...element.data });
        drawn.classes(element.classes);
      }
    });
    this.drawn = next;
    if (diff.added.length && !this.viewTouched) this.fit();
  }

  private async layOut(next: GraphElements): Promise<void> {
    const laidOut = await this.elk.layout(toElkGraph(next.nodes, next.edges));
    const positions = leafPositions(laidOut);
    for (const [id, point] of positions) this.remembered.set(id, point);
    this.cy.batch(() => {
      this.cy.elements().remove();
      this.cy.add([...next.nodes, ...next.edges].map((e) => ({ group: e.group, data: { ...e.data }, classes: e.classes, position: positions.get(e.data.id) })));
    });
    this.drawn = next;
    this.cy.fit(undefined, 30);
  }

  /** Centres and selects a drawn node; false when it is not drawn (filtered or collapsed). */
  focusNode(id: string): boolean {
    const node = this.cy.getElementById(id);
    if (node.empty()) return false;
    this.viewTouched = true;
    this.cy.elements().unselect();
    node.select();
    // No animation: a jump is easier on readers who ask for reduced motion, and nothing moves afterwards.
    this.cy.zoom(Math.max(this.cy.zoom(), 1));
    this.cy.center(node);
    return true;
  }

  fit(): void {
    this.cy.fit(undefined, 30);
  }

  /**
   * The canvas has no focusable parts, so the keys the help text lists: arrows pan, + and - zoom,
   * 0 fits, ] and [ select the next and previous node (in the tables' order), Enter opens it.
   */
  private onKey(event: KeyboardEvent): void {
    const step = LEAF.width;
    const pans: Record<string, Point> = { ArrowLeft: { x: step, y: 0 }, ArrowRight: { x: -step, y: 0 }, ArrowUp: { x: 0, y: step }, ArrowDown: { x: 0, y: -step } };
    const pan = pans[event.key];
    const selected = this.cy.nodes(':selected').first();
    if (pan) this.cy.panBy(pan);
    else if (event.key === '+' || event.key === '=') this.zoomBy(1.25);
    else if (event.key === '-') this.zoomBy(0.8);
    else if (event.key === '0') this.fit();
    else if (event.key === ']' || event.key === '[') this.step(selected.nonempty() ? selected.id() : undefined, event.key === ']' ? 1 : -1);
    else if (event.key === 'Enter' && selected.nonempty()) this.hooks.open(selected.id());
    else return;
    event.preventDefault();
  }

  private step(from: string | undefined, by: 1 | -1): void {
    const nodes = this.drawn.nodes;
    if (!nodes.length) return;
    const at = nodes.findIndex((n) => n.data.id === from);
    const next = nodes[at < 0 ? (by > 0 ? 0 : nodes.length - 1) : (at + by + nodes.length) % nodes.length]!;
    this.focusNode(next.data.id);
    const action = next.data.kind === 'namespace' ? 'Enter collapses or expands it' : 'Enter opens its panel';
    this.hooks.announce(`${next.data.description}. ${action}.`);
  }

  private zoomBy(factor: number): void {
    const { width, height } = this.cy.container()!.getBoundingClientRect();
    this.cy.zoom({ level: this.cy.zoom() * factor, renderedPosition: { x: width / 2, y: height / 2 } });
  }
}

