/** Proxies: the config each one ACKed, its last NACK with the reason, and when its certificate ends. */
import type { ProxySummary } from '../../lib/dashboard';
import { formatExpiry, formatTime, NONE } from '../view';
import { h, table } from './dom';

/** Certificates closer than this to their end are flagged: rotation should have renewed them by then. */
const EXPIRY_WARNING_MS = 60 * 60 * 1000;

export function proxiesTable(proxies: readonly ProxySummary[], now: Date): HTMLElement {
  if (!proxies.length) return h('p', {}, 'No proxy is connected.');
  const rows = [...proxies]
    .sort((a, b) => Number(!!b.lastNack) - Number(!!a.lastNack) || a.id.localeCompare(b.id))
    .map((p) => {
      const acked = Object.entries(p.acked).map(([type, version]) => `${type} ${version}`).join(', ') || NONE;
      const nack = p.lastNack ? h('strong', { class: 'bad' }, `NACK ${p.lastNack.type} ${p.lastNack.version} at ${formatTime(p.lastNack.at)}: ${p.lastNack.reason}`) : 'ACK';
      const expiresSoon = p.certificateExpiry !== undefined && Date.parse(p.certificateExpiry) - now.getTime() < EXPIRY_WARNING_MS;
      const expiry = formatExpiry(p.certificateExpiry, now);
      return [p.id, `${p.namespace}/${p.workload} (${p.role})`, acked, nack, expiresSoon ? h('strong', { class: 'bad' }, expiry) : expiry];
    });
  return table('Proxies (NACKs first)', ['Proxy', 'Workload', 'Config versions ACKed', 'Last answer', 'Certificate expires'], rows);
}
