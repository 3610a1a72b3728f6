import type { SpecOf } from '../api';
import type { EnvoyMessage } from './envoy-types';

type RouteRule = SpecOf<'TrafficRoute'>['rules'][number];
type RouteMatch = RouteRule['matches'][number];
type StringMatchType = 'Exact' | 'Prefix' | 'RegularExpression';

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function stringMatcher(type: StringMatchType, value: string): EnvoyMessage {
  switch (type) {
    case 'Exact':
      return { exact: value };
    case 'Prefix':
      return { prefix: value };
    case 'RegularExpression':
      return { safe_regex: { regex: value } };
  }
}

/** A cookie is one `name=value` pair inside the `cookie` header; Envoy matches it with a full-match regex there. */
function cookieRegex(name: string, type: StringMatchType, value: string): string {
  const valuePattern = type === 'Exact' ? escapeRegex(value) : type === 'Prefix' ? `${escapeRegex(value)}[^;]*` : `(?:${value})`;
  return `(?:.*;\\s*)?${escapeRegex(name)}=${valuePattern}(?:;.*)?`;
}

/** One mesh match as an Envoy RouteMatch; all its conditions must hold. */
function envoyRouteMatch(match: RouteMatch | undefined): EnvoyMessage {
  const path = match?.path;
  const out: EnvoyMessage = !path
    ? { prefix: '/' }
    : path.type === 'Exact'
      ? { path: path.value }
      : path.type === 'Prefix'
        ? { prefix: path.value }
        : { safe_regex: { regex: path.value } };
  if (path?.ignoreCase) out['case_sensitive'] = { value: false };
  const headers: EnvoyMessage[] = [];
  if (match?.method) headers.push({ name: ':method', string_match: { exact: match.method } });
  for (const h of match?.headers ?? []) {
    const matcher = h.type === 'Present' ? { present_match: true } : { string_match: stringMatcher(h.type, h.value ?? '') };
    headers.push({ name: h.name, ...matcher, ...(h.invert ? { invert_match: true } : {}) });
  }
  for (const c of match?.cookies ?? []) {
    headers.push({ name: 'cookie', string_match: { safe_regex: { regex: cookieRegex(c.name, c.type, c.value) } } });
  }
  if (headers.length > 0) out['headers'] = headers;
  const query = (match?.queryParams ?? []).map((q) =>
    q.type === 'Present' ? { name: q.name, present_match: true } : { name: q.name, string_match: stringMatcher(q.type, q.value ?? '') },
  );
  if (query.length > 0) out['query_parameters'] = query;
  return out;
}

/** A rule with several matches becomes one Envoy route per match (Envoy routes have one match), in order. */
export function envoyRouteMatches(rule: RouteRule): EnvoyMessage[] {
  return rule.matches.length === 0 ? [envoyRouteMatch(undefined)] : rule.matches.map(envoyRouteMatch);
}
