/**
 * One service: its golden signals over time (uPlot, one small chart per signal since their units
 * differ), its routes with their weights, and the policies that cover it, the one in force marked.
 */
import uPlot from 'uplot';
import type { PolicySummary, RouteSummary, ServiceDetail } from '../../lib/dashboard';
import { formatMs, formatPercent, formatRps, NONE } from '../view';
import { COLOURS } from './graph-style';
import { h, table } from './dom';

const CHARTS: { title: string; series: keyof Omit<ServiceDetail['series'], 't'>; format: (v: number | null) => string; scale?: (v: number | null) => number | null }[] = [
  { title: 'Requests per second', series: 'rps', format: (v) => (v === null ? NONE : formatRps(v)) },
  { title: 'Success rate', series: 'successRate', format: formatPercent, scale: (v) => (v === null ? null : v * 100) },
  { title: 'p99 latency', series: 'p99Ms', format: formatMs },
];

export class ServicePanel {
  private charts: uPlot[] = [];

  constructor(private readonly root: HTMLElement) {}

  /** Shows `detail`; `focus` moves keyboard focus to the panel (on opening it, not on its refreshes). */
  show(detail: ServiceDetail, focus: boolean): void {
    for (const chart of this.charts) chart.destroy();
    const width = Math.max(240, this.root.clientWidth - 32);
    const time = detail.series.t;
    const last = time.length - 1;
    const charts = CHARTS.map(({ title, series, format, scale }) => {
      const values = detail.series[series].map((v) => (scale ? scale(v) : v));
      const figure = h('figure', { class: 'chart' }, h('figcaption', {}, `${title}: ${last >= 0 ? format(detail.series[series][last] ?? null) : NONE} now`));
      return { figure, data: [Array.from(time), values] as uPlot.AlignedData, title };
    });
    this.root.replaceChildren(
      h('h2', { id: 'service-title', tabindex: '-1' }, `${detail.namespace}/${detail.name}`),
      ...charts.map((c) => c.figure),
      routesTable(detail.routes),
      policiesTable(detail.policies),
    );
    this.charts = charts.map(
      ({ figure, data, title }) =>
        new uPlot(
          { width, height: 110, legend: { show: false }, series: [{}, { label: title, stroke: COLOURS.call, width: 2 }], axes: [{ stroke: COLOURS.text }, { stroke: COLOURS.text, size: 50 }], cursor: { show: true } },
          data,
          figure,
        ),
    );
    this.root.hidden = false;
    if (focus) this.root.querySelector<HTMLElement>('#service-title')!.focus();
  }

  showError(what: string, error: unknown): void {
    this.root.replaceChildren(h('h2', {}, what), h('p', { role: 'alert' }, `Could not load it: ${error instanceof Error ? error.message : String(error)}`));
    this.root.hidden = false;
  }
}

function routesTable(routes: readonly RouteSummary[]): HTMLElement {
  if (!routes.length) return h('p', {}, 'No routes: calls go to every version evenly.');
  const rows = routes.flatMap((route) =>
    route.rules.map((rule) => [route.name, rule.matches.length ? rule.matches.join(', ') : 'any request', rule.backends.map((b) => `${b.service}${b.version ? ` ${b.version}` : ''}: ${b.weight}%`).join(', ')]),
  );
  return table('Routes', ['Route', 'Matches', 'Backends and weights'], rows);
}

function policiesTable(policies: readonly PolicySummary[]): HTMLElement {
  if (!policies.length) return h('p', {}, 'No policy covers this service.');
  const rows = policies.map((p) => [
    p.applies ? h('strong', { class: 'in-force' }, 'in force') : 'overridden',
    p.kind,
    `${p.namespace}/${p.name}`,
    p.target,
    p.summary,
  ]);
  return table('Policies (the most specific of each kind is in force)', ['Status', 'Kind', 'Name', 'Target', 'What it does'], rows);
}
