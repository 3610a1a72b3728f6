/**
 * The graph as tables, for screen readers and keyboards: every drawn call with its figures, and
 * every service with a button to its panel. Built only while its disclosure is open, since at 1000
 * services the rows would otherwise cost more than the graph on every update.
 */
import type { DashboardSnapshot } from '../../lib/dashboard';
import { formatMs, formatPercent, formatRps, type GraphElements, nodeName } from '../view';
import { h, table } from './dom';

export function textAlternative(snapshot: DashboardSnapshot, drawn: GraphElements, open: (namespace: string, service: string) => void): HTMLElement[] {
  const names = new Map(drawn.nodes.map((n) => [n.data.id, n.data.name]));
  const calls = table(
    'Calls',
    ['From', 'To', 'Requests', 'Success', 'p99', 'mTLS', 'Denied'],
    drawn.edges.map(({ data }) => [
      names.get(data.source) ?? data.source,
      names.get(data.target) ?? data.target,
      formatRps(data.signals.rps),
      formatPercent(data.signals.successRate),
      formatMs(data.signals.p99Ms),
      data.mtls ? 'yes' : 'no (plaintext)',
      data.deniedRps > 0 ? h('strong', { class: 'bad' }, `${formatRps(data.deniedRps)} denied`) : 'none',
    ]),
  );
  calls.id = 'calls-table';
  const services = table(
    'Services',
    ['Service', 'Requests', 'Success', 'p99', ''],
    snapshot.nodes
      .filter((n) => n.kind !== 'version')
      .map((n) => [nodeName(n), formatRps(n.signals.rps), formatPercent(n.signals.successRate), formatMs(n.signals.p99Ms), h('button', { type: 'button', 'data-open': n.id }, `Details of ${n.service}`)]),
  );
  services.id = 'services-table';
  services.addEventListener('click', (event) => {
    const id = (event.target as HTMLElement).closest('button')?.dataset['open'];
    const node = id ? snapshot.nodes.find((n) => n.id === id) : undefined;
    if (node) open(node.namespace, node.service);
  });
  return [calls, services];
}
