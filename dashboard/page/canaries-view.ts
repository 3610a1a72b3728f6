/** Canaries: where each one is in its schedule, its checks now, and what happened so far. */
import type { CanarySummary } from '../../lib/dashboard';
import { formatTime, NONE } from '../view';
import { h, table } from './dom';

export function canariesSection(canaries: readonly CanarySummary[]): HTMLElement[] {
  if (!canaries.length) return [h('p', {}, 'No canaries.')];
  return canaries.map((c) =>
    h(
      'article',
      { class: 'canary', 'aria-label': `canary ${c.namespace}/${c.name}` },
      h('h3', {}, `${c.namespace}/${c.name} → ${c.service}`),
      h('p', { class: 'canary-state' }, `${c.phase} · step ${c.step} · canary weight ${c.weight}%`),
      table(
        'Checks',
        ['Check', 'Value', 'Threshold', 'Result'],
        c.checks.map((check) => [check.name, check.value === null ? NONE : String(round(check.value)), String(check.threshold), check.passed ? 'passed' : h('strong', { class: 'bad' }, 'failed')]),
      ),
      table(
        'History',
        ['Time (UTC)', 'Event', 'Weight', 'Message'],
        [...c.history].reverse().map((e) => [formatTime(e.at), e.kind === 'rollback' || e.kind === 'check-failed' ? h('strong', { class: 'bad' }, e.kind) : e.kind, `${e.weight}%`, e.message]),
      ),
    ),
  );
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
