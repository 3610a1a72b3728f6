import { compact, durationText, labelName } from '../migrate/import-context';
import type { Fields } from '../migrate/source-fields';
import { percents } from '../migrate/weights';

/**
 * Turns one backendRef into a Meshform backend (name, namespace, port), or undefined when the
 * reference may not or cannot be used; the resolver records why.
 */
export type BackendResolver = (ref: Fields) => Record<string, unknown> | undefined;

/** Turns one match of a rule into a TrafficRoute match. */
export type MatchConverter = (match: Fields) => Record<string, unknown>;

const PATH_TYPES: Record<string, string> = { PathPrefix: 'Prefix', Exact: 'Exact', RegularExpression: 'RegularExpression' };

function valueMatches(list: Fields[], lowerCaseNames: boolean): Record<string, unknown>[] {
  return list.map((h) => {
    const name = h.string('name');
    return compact({ name: lowerCaseNames ? name?.toLowerCase() : name, type: h.string('type') === 'RegularExpression' ? 'RegularExpression' : undefined, value: h.string('value') });
  });
}

/** An HTTPRoute match: path, method, headers, query parameters. */
export function httpMatch(m: Fields): Record<string, unknown> {
  const p = m.object('path');
  const headers = valueMatches(m.list('headers'), true);
  const query = valueMatches(m.list('queryParams'), false);
  const type = p?.string('type') ?? 'PathPrefix';
  const value = p?.string('value') ?? '/';
  return compact({
    // PathPrefix "/" (Gateway API's default match) matches every path: no path match.
    path: type === 'PathPrefix' && value === '/' ? undefined : { type: PATH_TYPES[type] ?? 'Prefix', value },
    method: m.string('method'),
    headers: headers.length ? headers : undefined,
    queryParams: query.length ? query : undefined,
  });
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A GRPCRoute match: the gRPC method is the HTTP/2 path `/<service>/<method>`, so it becomes a path
 * match (exact for both names, prefix for a service alone, a regular expression otherwise).
 */
export function grpcMatch(m: Fields): Record<string, unknown> {
  const method = m.object('method');
  const regex = method?.string('type') === 'RegularExpression';
  const service = method?.string('service');
  const name = method?.string('method');
  const headers = valueMatches(m.list('headers'), true);
  let path: Record<string, unknown> | undefined;
  if (service !== undefined && name !== undefined) path = regex ? { type: 'RegularExpression', value: `/${service}/${name}` } : { type: 'Exact', value: `/${service}/${name}` };
  else if (service !== undefined) path = regex ? { type: 'RegularExpression', value: `/${service}/[^/]+` } : { type: 'Prefix', value: `/${service}/` };
  else if (name !== undefined) path = { type: 'RegularExpression', value: `/[^/]+/${regex ? name : escapeRegex(name)}` };
  return compact({ path, headers: headers.length ? headers : undefined });
}

function headerChanges(f: Fields | undefined): Record<string, unknown> | undefined {
  if (!f) return undefined;
  const pairs = (key: string) => {
    const list = f.list(key).map((h) => [h.string('name')!.toLowerCase(), h.string('value') ?? ''] as const);
    return list.length ? Object.fromEntries(list) : undefined;
  };
  return compact({ set: pairs('set'), add: pairs('add'), remove: f.strings('remove')?.map((h) => h.toLowerCase()) });
}

function backends(r: Fields, resolve: BackendResolver): Record<string, unknown>[] | undefined {
  const refs = r.list('backendRefs');
  const resolved = refs.map((b) => ({ backend: resolve(b), weight: b.number('weight') ?? 1 }));
  const usable = resolved.filter((x): x is { backend: Record<string, unknown>; weight: number } => x.backend !== undefined);
  if (usable.length === 0) return undefined;
  const weights = percents(usable.map((x) => x.weight));
  if (!weights.exact) r.source.note('differs', r.at('backendRefs'), `weights became whole percents ${weights.percents.join(':')}`);
  if (usable.length < refs.length) r.source.note('differs', r.at('backendRefs'), 'the references that cannot be used are left out; the others share their traffic');
  return usable.map((x, i) => compact({ ...x.backend, weight: usable.length === 1 ? undefined : weights.percents[i] }));
}

/**
 * One rule of an HTTPRoute or GRPCRoute as a Meshform route rule: matches, weighted backends,
 * filters, timeouts and retries. What Meshform cannot express is reported on the source object
 * (dropped, or carried over with a different meaning). A rule whose every backend is refused
 * answers 500, as the Gateway API asks.
 */
export function convertRule(r: Fields, resolve: BackendResolver, match: MatchConverter = httpMatch): Record<string, unknown> {
  const matches = r.list('matches').map(match).filter((m) => Object.keys(m).length > 0);
  const hadBackends = r.has('backendRefs');
  const out: Record<string, unknown> = { name: r.has('name') ? labelName(r.string('name')!, r, r.at('name')) : undefined, matches: matches.length ? matches : undefined, backends: backends(r, resolve) };
  for (const f of r.list('filters')) {
    const type = f.string('type');
    if (type === 'RequestHeaderModifier') out.requestHeaders = headerChanges(f.object('requestHeaderModifier'));
    else if (type === 'ResponseHeaderModifier') out.responseHeaders = headerChanges(f.object('responseHeaderModifier'));
    else if (type === 'RequestRedirect') {
      const rr = f.object('requestRedirect')!;
      const path = rr.object('path');
      if (path?.string('type') === 'ReplacePrefixMatch') rr.source.note('differs', path.path, 'Meshform redirects to a full path: the prefix replacement became the whole path');
      out.redirect = compact({ scheme: rr.string('scheme'), host: rr.string('hostname'), port: rr.number('port'), path: path?.string('replaceFullPath') ?? path?.string('replacePrefixMatch'), statusCode: rr.number('statusCode') });
    } else if (type === 'URLRewrite') {
      const rw = f.object('urlRewrite')!;
      const path = rw.object('path');
      const pathType = path?.string('type');
      out.rewrite = compact({ authority: rw.string('hostname'), path: path ? { type: pathType, value: path.string(pathType === 'ReplaceFullPath' ? 'replaceFullPath' : 'replacePrefixMatch') } : undefined });
    } else if (type === 'RequestMirror') {
      const m = f.object('requestMirror')!;
      const ref = m.object('backendRef');
      const fraction = m.object('fraction');
      const percent = m.number('percent') ?? (fraction ? ((fraction.number('numerator') ?? 0) * 100) / (fraction.number('denominator') ?? 100) : undefined);
      const backend = ref ? resolve(ref) : undefined;
      if (backend) out.mirror = compact({ backend, percent });
    } else f.dropAll(`filter ${type ?? '<untyped>'} has no Meshform equivalent`);
  }
  if (out.backends === undefined && out.redirect === undefined && hadBackends) out.directResponse = { status: 500 };
  const timeouts = r.object('timeouts');
  const retry = r.object('retry');
  const perTry = timeouts?.has('backendRequest') ? durationText(timeouts.string('backendRequest')!) : undefined;
  if (perTry && !retry) r.source.note('differs', timeouts!.at('backendRequest'), 'without retries Meshform has no per-try timeout: it became the rule timeout');
  out.timeout = timeouts?.has('request') ? durationText(timeouts.string('request')!) : retry ? undefined : perTry;
  if (retry) {
    const backoff = retry.has('backoff') ? durationText(retry.string('backoff')!) : undefined;
    out.retry = compact({ attempts: retry.number('attempts'), retryOn: retry.strings('codes'), perTryTimeout: perTry, backoff: backoff ? { baseInterval: backoff } : undefined });
  }
  r.drop('sessionPersistence', 'Meshform keeps sessions with a consistent-hash load balancer (TrafficPolicy)');
  return compact(out);
}
