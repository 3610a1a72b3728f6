/**
 * The dashboard page: polls the snapshot every few seconds (`?refresh=<seconds>`, default 3) and
 * draws the graph, the canaries and the proxies; a chosen service's panel refreshes with it.
 * Meshes above `?collapseAbove=<services>` (default 300) open with their namespaces collapsed.
 */
import type { DashboardSnapshot } from '../../lib/dashboard';
import { formatTime, graphElements, type GraphElements, nodeName, searchNodes } from '../view';
import { byId, canariesSection, exposeTestHook, fetchService, fetchSnapshot, GraphView, h, proxiesTable, ServicePanel, textAlternative } from '.';

const params = new URLSearchParams(location.search);
/** A number from the query string, or `fallback` when absent or not a number. */
function numberParam(name: string, fallback: number): number {
  const value = Number(params.get(name) ?? Number.NaN);
  return Number.isFinite(value) ? value : fallback;
}
const REFRESH_MS = Math.max(0.2, numberParam('refresh', 3)) * 1000;
const COLLAPSE_ABOVE = numberParam('collapseAbove', 300);

interface State {
  snapshot?: DashboardSnapshot;
  drawn?: GraphElements;
  /** Namespaces shown; undefined shows all, including ones that appear later. */
  shown?: Set<string>;
  collapsed: Set<string>;
  selected?: { namespace: string; service: string };
  updates: number;
}

const state: State = { collapsed: new Set(), updates: 0 };
const graph = new GraphView(byId('graph'), { open: openNode, announce: (text) => (byId('graph-announce').textContent = text) });
const panel = new ServicePanel(byId('service-panel'));

/** Draws the current snapshot through the current view; `relayout` lays everything out again. */
async function render(relayout = false): Promise<void> {
  const snapshot = state.snapshot;
  if (!snapshot) return;
  const drawn = graphElements(snapshot, { namespaces: state.shown, collapsed: state.collapsed });
  state.drawn = drawn;
  await graph.show(drawn, relayout);
  const services = snapshot.nodes.filter((n) => n.kind === 'service').length;
  const denied = snapshot.edges.filter((e) => e.deniedRps > 0).length;
  byId('graph').setAttribute('aria-label', `Topology graph: ${services} services in ${snapshot.namespaces.length} namespaces, ${snapshot.edges.length} calls, ${denied} with denied requests. The tables below hold the same.`);
  byId('summary').textContent = `${services} services · ${snapshot.edges.length} calls · ${denied} denied`;
  if ((byId('text-alternative') as HTMLDetailsElement).open) {
    // The tables are rebuilt on every update: a keyboard user on one of their buttons stays on it.
    const body = byId('text-alternative-body');
    const focused = body.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset['open'] : undefined;
    body.replaceChildren(...textAlternative(snapshot, drawn, openService));
    if (focused) body.querySelector<HTMLElement>(`[data-open="${CSS.escape(focused)}"]`)?.focus();
  }
}

function renderPanels(snapshot: DashboardSnapshot): void {
  byId('updated').textContent = `Updated ${formatTime(snapshot.generatedAt)} UTC from ${snapshot.source.kind} (${snapshot.source.detail}), rates over ${snapshot.windowSeconds} s`;
  byId('canaries-body').replaceChildren(...canariesSection(snapshot.canaries));
  byId('proxies-body').replaceChildren(proxiesTable(snapshot.proxies, new Date()));
}

function renderNamespaces(snapshot: DashboardSnapshot): void {
  const list = byId('namespace-list');
  const current = [...list.querySelectorAll<HTMLElement>('[data-namespace]')].map((e) => e.dataset['namespace']).join('\n');
  if (current === snapshot.namespaces.join('\n')) return;
  list.replaceChildren(
    ...snapshot.namespaces.map((ns) =>
      h(
        'li',
        { 'data-namespace': ns },
        h('label', {}, h('input', { type: 'checkbox', 'data-role': 'show', value: ns, checked: !state.shown || state.shown.has(ns) }), ` ${ns}`),
        h('label', { class: 'collapse' }, h('input', { type: 'checkbox', 'data-role': 'collapse', value: ns, checked: state.collapsed.has(ns) }), ' collapsed'),
      ),
    ),
  );
}

/** What choosing a drawn node does: a service's or version's panel opens; a namespace collapses or expands. */
function openNode(id: string): void {
  const node = state.snapshot?.nodes.find((n) => n.id === id);
  if (node) {
    void openService(node.namespace, node.service);
    return;
  }
  const namespace = state.drawn?.nodes.find((n) => n.data.id === id && n.data.kind === 'namespace')?.data.namespace;
  if (namespace === undefined) return;
  if (!state.collapsed.delete(namespace)) state.collapsed.add(namespace);
  syncNamespaceControls();
  void render();
}

/** Shows the service in the graph (its namespace shown and expanded), selects it and opens its panel. */
async function openService(namespace: string, service: string): Promise<void> {
  state.selected = { namespace, service };
  state.shown?.add(namespace);
  state.collapsed.delete(namespace);
  syncNamespaceControls();
  await render();
  graph.focusNode(`${namespace}/${service}`);
  await showDetail(true);
}

/** Loads the selected service's panel; `focus` on opening it, not on the refreshes after. */
async function showDetail(focus: boolean): Promise<void> {
  if (!state.selected) return;
  const { namespace, service } = state.selected;
  try {
    panel.show(await fetchService(namespace, service), focus);
  } catch (error) {
    panel.showError(`${namespace}/${service}`, error);
  }
}

function syncNamespaceControls(): void {
  for (const box of byId('namespace-list').querySelectorAll<HTMLInputElement>('input')) {
    box.checked = box.dataset['role'] === 'show' ? !state.shown || state.shown.has(box.value) : state.collapsed.has(box.value);
  }
}

async function poll(): Promise<void> {
  const started = performance.now();
  try {
    const snapshot = await fetchSnapshot();
    const first = !state.snapshot;
    state.snapshot = snapshot;
    if (first && snapshot.nodes.filter((n) => n.kind === 'service').length > COLLAPSE_ABOVE) for (const ns of snapshot.namespaces) state.collapsed.add(ns);
    renderNamespaces(snapshot);
    await render();
    renderPanels(snapshot);
    byId('error').textContent = '';
    await painted();
    state.updates++;
    if (first) performance.mark('dashboard:first-render');
    // The snapshot's time as detail: the benchmark tells which update drew which snapshot.
    else performance.measure('dashboard:update', { start: started, end: performance.now(), detail: snapshot.generatedAt });
    if (!first) await showDetail(false);
  } catch (error) {
    byId('error').textContent = `Cannot read the mesh: ${error instanceof Error ? error.message : String(error)}.${state.snapshot ? ` Showing the data of ${formatTime(state.snapshot.generatedAt)} UTC.` : ''} Retrying every ${REFRESH_MS / 1000} s.`;
  }
  setTimeout(poll, REFRESH_MS);
}

/** Resolves once the browser has drawn a frame with the changes (cytoscape draws on animation frames). */
function painted(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
}

function wireControls(): void {
  byId('namespace-list').addEventListener('change', (event) => {
    const box = event.target as HTMLInputElement;
    const all = state.snapshot?.namespaces ?? [];
    if (box.dataset['role'] === 'show') {
      state.shown ??= new Set(all);
      if (box.checked) state.shown.add(box.value);
      else state.shown.delete(box.value);
    } else if (box.checked) state.collapsed.add(box.value);
    else state.collapsed.delete(box.value);
    void render();
  });
  const everyNamespace = (change: () => void) => () => {
    change();
    syncNamespaceControls();
    void render();
  };
  byId('show-all').addEventListener('click', everyNamespace(() => (state.shown = undefined)));
  byId('collapse-all').addEventListener('click', everyNamespace(() => state.snapshot?.namespaces.forEach((ns) => state.collapsed.add(ns))));
  byId('expand-all').addEventListener('click', everyNamespace(() => state.collapsed.clear()));
  byId('fit').addEventListener('click', () => graph.fit());
  byId('relayout').addEventListener('click', () => void render(true));
  byId('text-alternative').addEventListener('toggle', () => void render());

  const results = byId('search-results');
  byId<HTMLInputElement>('search').addEventListener('input', (event) => {
    const found = state.snapshot ? searchNodes(state.snapshot.nodes, (event.target as HTMLInputElement).value) : [];
    results.replaceChildren(...found.map((n) => h('li', {}, h('button', { type: 'button', 'data-namespace': n.namespace, 'data-service': n.service }, nodeName(n)))));
    byId('search-status').textContent = (event.target as HTMLInputElement).value ? `${found.length}${found.length === 20 ? '+' : ''} found` : '';
  });
  results.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest('button');
    if (button) void openService(button.dataset['namespace']!, button.dataset['service']!);
  });

  // A click on a namespace's box would be a click on every node in it: only a double click toggles it.
  graph.cy.on('tap', 'node[kind != "namespace"]', (event) => openNode(event.target.id()));
  graph.cy.on('dbltap', 'node[kind = "namespace"]', (event) => openNode(event.target.id()));
}

wireControls();
exposeTestHook(graph, () => state.updates);
void poll();
