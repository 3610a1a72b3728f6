import { describe, expect, it } from 'vitest';
import { byPrecedence, segmentPrefixes } from '../../../lib/gateway-api';

describe('Gateway API route precedence in Meshform rule order', () => {
  it('puts exact paths first, then longer prefixes, then method, headers and query matches, each match a rule of its own', () => {
    const rules = byPrecedence([
      { name: 'catch-all', backends: [{ name: 'a' }] },
      { name: 'short', matches: [{ path: { type: 'Prefix', value: '/v' } }, { path: { type: 'Exact', value: '/exact' } }], backends: [{ name: 'b' }] },
      { name: 'long', matches: [{ path: { type: 'Prefix', value: '/v2' } }], backends: [{ name: 'c' }] },
      { name: 'header', matches: [{ path: { type: 'Prefix', value: '/v2' }, headers: [{ name: 'x', value: '1' }] }], backends: [{ name: 'd' }] },
    ]);
    expect(rules.map((r) => `${String(r.name)}:${JSON.stringify(r.matches?.[0]?.path?.value ?? '/')}`)).toEqual(['short:"/exact"', 'header:"/v2"', 'long:"/v2"', 'short:"/v"', 'catch-all:"/"']);
  });

  it('makes a path prefix match whole segments, except where the rule rewrites the prefix', () => {
    const [plain, rewritten] = segmentPrefixes([
      { matches: [{ path: { type: 'Prefix', value: '/v2/' } }] },
      { matches: [{ path: { type: 'Prefix', value: '/old' } }], rewrite: { path: { type: 'ReplacePrefixMatch' } } },
    ]);
    const regex = new RegExp(`^${plain!.matches![0]!.path!.value}$`);
    expect(['/v2', '/v2/', '/v2/x'].every((p) => regex.test(p))).toBe(true);
    expect(regex.test('/v2x')).toBe(false);
    expect(rewritten!.matches![0]!.path).toEqual({ type: 'Prefix', value: '/old' });
  });
});
