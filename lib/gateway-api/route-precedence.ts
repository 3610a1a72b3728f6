type Rule = Record<string, unknown> & { matches?: Match[]; rewrite?: { path?: { type?: string } } };
type Match = { path?: { type: string; value: string }; method?: string; headers?: unknown[]; queryParams?: unknown[] };

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Gateway API's order among matches: exact path, longest prefix, method, most headers, most query
 * parameters. Where a regular expression goes is left to implementations: Meshform ranks it as a
 * prefix as long as the expression, so it comes before the catch-all and after longer prefixes.
 */
function rank(m: Match | undefined): number[] {
  const path = m?.path ?? { type: 'Prefix', value: '/' };
  return [path.type === 'Exact' ? 0 : 1, -path.value.length, m?.method ? 0 : 1, -(m?.headers?.length ?? 0), -(m?.queryParams?.length ?? 0)];
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/**
 * Meshform checks rules in order and the first match wins; the Gateway API picks the most specific
 * match across all rules. Each match becomes a rule of its own, sorted by the Gateway API's order
 * (ties keep the order written, as the specification asks).
 */
export function byPrecedence(rules: readonly Rule[]): Rule[] {
  const split = rules.flatMap((r) => (r.matches && r.matches.length > 1 ? r.matches.map((m) => ({ ...r, matches: [m] })) : [r]));
  return split.map((rule, i) => ({ rule, i, key: rank(rule.matches?.[0]) })).sort((a, b) => compare(a.key, b.key) || a.i - b.i).map((x) => x.rule);
}

/**
 * A Gateway API path prefix matches whole path segments (`/v2` matches `/v2` and `/v2/x`, not
 * `/v2x`); Meshform's Prefix matches characters. Such a prefix becomes the regular expression that
 * says so, unless the rule rewrites the prefix, which needs a prefix match (there the character
 * prefix stays, a documented difference).
 */
export function segmentPrefixes(rules: readonly Rule[]): Rule[] {
  return rules.map((r) => {
    if (r.rewrite?.path?.type === 'ReplacePrefixMatch' || !r.matches) return r;
    return {
      ...r,
      matches: r.matches.map((m) => {
        if (m.path?.type !== 'Prefix' || m.path.value === '/') return m;
        const prefix = m.path.value.replace(/\/+$/, '');
        return { ...m, path: { type: 'RegularExpression', value: `${escapeRegex(prefix)}(/.*)?` } };
      }),
    };
  });
}
