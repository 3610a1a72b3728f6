import { describe, expect, it } from 'vitest';
import { edgeLabel, formatExpiry, formatMs, formatPercent, formatRps, formatTime, searchNodes } from '../../../dashboard/view';
import { smallMesh } from '../../e2e/dashboard/fixtures';

describe('formatting', () => {
  it('writes rates, percentages and latencies short, with a dash where there is nothing to judge', () => {
    expect([0, 2.345, 12.6, 12_345].map(formatRps)).toEqual(['0 rps', '2.3 rps', '13 rps', '12.3k rps']);
    expect([1, 0.9994, 0.5, 0, null].map(formatPercent)).toEqual(['100%', '99.9%', '50.0%', '0%', '–']);
    expect([0.2, 41.6, 1500, null].map(formatMs)).toEqual(['<1 ms', '42 ms', '1.5 s', '–']);
  });

  it('labels an edge with its signals and, only when so, plaintext and denials', () => {
    const signals = { rps: 10, successRate: 0.99, p99Ms: 20 };
    expect(edgeLabel(signals, true, 0)).toBe('10 rps · 99.0% · p99 20 ms');
    expect(edgeLabel(signals, false, 3)).toBe('10 rps · 99.0% · p99 20 ms\nplaintext · 3.0/s denied');
  });

  it('says how long until a certificate expires, or since it did', () => {
    const now = new Date('2026-01-01T10:00:00Z');
    expect(formatExpiry('2026-01-02T12:00:00Z', now)).toBe('in 1 d');
    expect(formatExpiry('2026-01-01T10:30:00Z', now)).toBe('in 30 min');
    expect(formatExpiry('2026-01-01T09:59:15Z', now)).toBe('expired 45 s ago');
    expect(formatExpiry(undefined, now)).toBe('–');
    expect(formatTime('2026-01-01T09:59:58.500Z')).toBe('09:59:58');
  });
});

describe('searchNodes', () => {
  it('finds services and versions by every word of the query, in any case', () => {
    const found = searchNodes(smallMesh(0).nodes, 'SHOP cart');
    expect(found.map((n) => n.id)).toEqual(['shop/cart', 'shop/cart/v1', 'shop/cart/v2']);
    expect(searchNodes(smallMesh(0).nodes, 'cart v2').map((n) => n.id)).toEqual(['shop/cart/v2']);
    expect(searchNodes(smallMesh(0).nodes, '   ')).toEqual([]);
    expect(searchNodes(smallMesh(0).nodes, 'e', 2)).toHaveLength(2);
  });
});
