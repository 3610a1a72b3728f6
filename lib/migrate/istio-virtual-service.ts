import { RETRY_ON_WORDS } from '../api/traffic-route';
import { compact, draft, durationText, labelName, percentOf, readMetadata, serviceOfHost, type Converted, type ImportContext, type ServiceHint } from './import-context';
import type { Fields, SourceObject } from './source-fields';

/** Istio's way to match a cookie: a regex on the Cookie header naming one `name=value` pair. */
export const cookieRegex = (name: string, value: string) => `^(.*?;)?(${name}=${value})(;.*)?$`;
/** The code Istio redirects with when a route names none (Meshform's default is 302). */
const ISTIO_REDIRECT_CODE = 301;
/** A uriRegexRewrite that replaces the whole path: how Istio says Meshform's ReplaceFullPath under a prefix match. */
export const WHOLE_PATH = '^.*$';
const COOKIE_REGEX = /^\^\(\.\*\?;\)\?\(([A-Za-z0-9_-]+)=([A-Za-z0-9_.@-]+)\)\(;\.\*\)\?\$$/;

/** An Istio StringMatch ({exact|prefix|regex}) as a Meshform match type and value. */
function stringMatch(f: Fields): { type: 'Exact' | 'Prefix' | 'RegularExpression'; value: string } | undefined {
  if (f.has('exact')) return { type: 'Exact', value: f.string('exact')! };
  if (f.has('prefix')) return { type: 'Prefix', value: f.string('prefix')! };
  if (f.has('regex')) return { type: 'RegularExpression', value: f.string('regex')! };
  return undefined;
}

function headerMatches(m: Fields, key: 'headers' | 'withoutHeaders', cookies: Record<string, unknown>[]): Record<string, unknown>[] {
  return m.entries(key).flatMap(([name, f]) => {
    const sm = stringMatch(f);
    const cookie = sm?.type === 'RegularExpression' && name.toLowerCase() === 'cookie' && key === 'headers' ? COOKIE_REGEX.exec(sm.value) : null;
    if (cookie) {
      cookies.push({ name: cookie[1], value: cookie[2] });
      return [];
    }
    return [compact({ name: name.toLowerCase(), type: sm?.type ?? 'Present', value: sm?.value, invert: key === 'withoutHeaders' ? true : undefined })];
  });
}

function routeMatch(m: Fields): Record<string, unknown> {
  const uri = m.object('uri');
  const path = uri ? stringMatch(uri) : undefined;
  const method = m.object('method');
  let methodName: string | undefined;
  if (method) {
    if (method.has('exact')) methodName = method.string('exact')!.toUpperCase();
    else method.dropAll('Meshform matches one exact method');
  }
  const cookies: Record<string, unknown>[] = [];
  const headers = [...headerMatches(m, 'headers', cookies), ...headerMatches(m, 'withoutHeaders', cookies)];
  const queryParams = m.entries('queryParams').map(([name, f]) => {
    const sm = stringMatch(f);
    if (sm?.type === 'Prefix') f.source.note('differs', f.path, 'Meshform matches query parameters exactly or by regex; the prefix became a regex');
    return sm ? { name, type: sm.type === 'Prefix' ? 'RegularExpression' : sm.type, value: sm.type === 'Prefix' ? `^${escapeRegex(sm.value)}.*` : sm.value } : { name, type: 'Present' };
  });
  for (const [key, why] of [
    ['authority', 'Meshform routes are per service; match the authority with a header match on ":authority" if needed'],
    ['scheme', 'Meshform routes do not match on the scheme'],
    ['sourceLabels', 'Meshform routes do not match on the caller\'s labels'],
    ['sourceNamespace', 'Meshform routes do not match on the caller\'s namespace'],
    ['gateways', 'Meshform has no gateways; routes apply inside the mesh'],
    ['statPrefix', 'Meshform names metrics by rule name'],
    ['name', 'Meshform names rules, not matches'],
  ] as const) m.drop(key, why);
  return compact({
    port: m.number('port'),
    path: path ? compact({ ...path, ignoreCase: m.boolean('ignoreUriCase') }) : (m.drop('ignoreUriCase', 'there is no uri match to apply it to'), undefined),
    method: methodName,
    headers: headers.length ? headers : undefined,
    cookies: cookies.length ? cookies : undefined,
    queryParams: queryParams.length ? queryParams : undefined,
  });
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A destination: the route's own service by version, or another service. */
function backendOf(dest: Fields, own: { name: string; namespace: string }, ns: string, ctx: ImportContext, hints: ServiceHint[]): Record<string, unknown> | undefined {
  const host = dest.string('host') ?? '';
  const svc = serviceOfHost(host, ns, ctx);
  if (!svc) {
    dest.source.note('dropped', dest.at('host'), `"${host}" is neither a service of the cluster nor a host a ServiceEntry declares`);
    return undefined;
  }
  const version = dest.string('subset');
  const port = dest.object('port')?.number('number');
  if (!svc.external) hints.push({ name: svc.name, namespace: svc.namespace, ...(port ? { ports: [{ port }] } : {}), ...(version ? { versions: [{ name: version }] } : {}) });
  const same = svc.name === own.name && svc.namespace === own.namespace;
  return compact({ name: same ? undefined : svc.name, namespace: svc.namespace === ns ? undefined : svc.namespace, version, port: same ? undefined : port });
}

function headerChanges(f: Fields | undefined): Record<string, unknown> | undefined {
  if (!f) return undefined;
  const lower = (r: Record<string, string> | undefined) => (r ? Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v])) : undefined);
  return compact({ set: lower(f.record('set')), add: lower(f.record('add')), remove: f.strings('remove')?.map((h) => h.toLowerCase()) });
}

/**
 * Istio retries twice (connect-failure, refused-stream, unavailable, cancelled) when a route says
 * nothing, Meshform only when asked: a rule without retries gets Meshform's default retry, which is
 * Istio's; `attempts: 0` turns retries off in both.
 */
function retryOf(r: Fields | undefined): Record<string, unknown> | undefined {
  if (!r) return { attempts: 2 };
  if (r.keys().length === 1 && r.number('attempts') === 0) return undefined;
  const words = r.string('retryOn')?.split(',').map((w) => w.trim()).filter(Boolean);
  const known = words?.filter((w) => (RETRY_ON_WORDS as readonly string[]).includes(w) || /^[45][0-9]{2}$/.test(w));
  if (words && known && known.length < words.length) r.source.note('dropped', r.at('retryOn'), `Meshform does not retry on ${words.filter((w) => !known.includes(w)).join(', ')}`);
  r.drop('retryRemoteLocalities', 'Meshform has no localities');
  r.drop('backoff', 'Meshform sets backoff on the retry as baseInterval/maxInterval; Istio\'s field is not portable');
  return compact({ attempts: r.number('attempts'), perTryTimeout: r.has('perTryTimeout') ? durationText(r.string('perTryTimeout')!) : undefined, retryOn: known?.length ? known : undefined });
}

function faultOf(f: Fields): Record<string, unknown> {
  const delay = f.object('delay');
  const abort = f.object('abort');
  if (delay) delay.drop('exponentialDelay', 'Meshform injects fixed delays only');
  if (abort) abort.drop('http2Error', 'Meshform aborts with an HTTP or gRPC status');
  return compact({
    delay: delay?.has('fixedDelay') ? compact({ fixedDelay: durationText(delay.string('fixedDelay')!), percent: percentOf(delay, 'percentage', 'percent') }) : undefined,
    abort: abort ? compact({ httpStatus: abort.number('httpStatus'), grpcStatus: abort.string('grpcStatus'), percent: percentOf(abort, 'percentage') }) : undefined,
  });
}

function ruleOf(h: Fields, own: { name: string; namespace: string }, ctx: ImportContext, hints: ServiceHint[]): Record<string, unknown> {
  const matches = h.list('match').map(routeMatch);
  const routes = h.list('route');
  const backends = routes.flatMap((d) => {
    d.drop('headers', 'Meshform sets header changes per rule, not per destination');
    const dest = d.object('destination');
    const b = dest ? backendOf(dest, own, own.namespace, ctx, hints) : undefined;
    // Istio lets a lone destination leave out its weight (100); so does Meshform.
    const weight = d.number('weight') ?? (routes.length === 1 ? 100 : 0);
    return b ? [compact({ ...b, weight: routes.length === 1 && weight === 100 ? undefined : weight })] : [];
  });
  const mirrorDest = h.object('mirror');
  const mirrors = h.list('mirrors');
  if (mirrors.length > 1) h.drop('mirrors', 'Meshform mirrors to one backend per rule');
  const oneMirror = mirrors.length === 1 ? mirrors[0]!.object('destination') : mirrorDest;
  const mirrorBackend = oneMirror ? backendOf(oneMirror, own, own.namespace, ctx, hints) : undefined;
  const mirrorPercent = mirrors.length === 1 ? percentOf(mirrors[0]!, 'percentage') : percentOf(h, 'mirrorPercentage', 'mirrorPercent');
  const rewrite = h.object('rewrite');
  const prefixMatched = matches.some((m) => (m.path as { type?: string } | undefined)?.type === 'Prefix');
  const regexRewrite = rewrite?.object('uriRegexRewrite');
  const fullPath = regexRewrite?.string('match') === WHOLE_PATH ? regexRewrite.string('rewrite') : undefined;
  if (regexRewrite && fullPath === undefined) rewrite!.drop('uriRegexRewrite', 'Meshform rewrites the full path or the matched prefix, not by regex');
  const redirect = h.object('redirect');
  redirect?.drop('derivePort', 'Meshform redirects keep the request\'s port unless one is set');
  const direct = h.object('directResponse');
  const body = direct?.object('body');
  const name = h.string('name');
  h.drop('corsPolicy', 'Meshform has no CORS policy; handle CORS in the application');
  h.drop('delegate', 'Meshform has no route delegation; write the rules on the service\'s own route');
  const headers = h.object('headers');
  return compact({
    name: name ? labelName(name, h, h.at('name')) : undefined,
    matches: matches.length ? matches : undefined,
    backends: backends.length ? backends : undefined,
    timeout: h.has('timeout') ? durationText(h.string('timeout')!) : undefined,
    retry: backends.length || h.has('retries') ? retryOf(h.object('retries')) : undefined,
    fault: h.object('fault') ? faultOf(h.object('fault')!) : undefined,
    mirror: mirrorBackend ? compact({ backend: mirrorBackend, percent: mirrorPercent }) : undefined,
    rewrite: rewrite
      ? compact({
          path: rewrite.has('uri') ? { type: prefixMatched ? 'ReplacePrefixMatch' : 'ReplaceFullPath', value: rewrite.string('uri') } : fullPath !== undefined ? { type: 'ReplaceFullPath', value: fullPath } : undefined,
          authority: rewrite.string('authority'),
        })
      : undefined,
    redirect: redirect
      ? compact({ scheme: redirect.string('scheme'), host: redirect.string('authority'), path: redirect.string('uri'), port: redirect.number('port'), statusCode: redirect.number('redirectCode') ?? ISTIO_REDIRECT_CODE })
      : undefined,
    directResponse: direct ? compact({ status: direct.number('status'), body: body?.string('string') }) : undefined,
    requestHeaders: headerChanges(headers?.object('request')),
    responseHeaders: headerChanges(headers?.object('response')),
  });
}

/**
 * Istio matches a port per match, Meshform per route: when every rule matches one port, that is the
 * route's port (and matches that only named it match everything); else ports are dropped.
 */
function routePort(rules: Record<string, unknown>[], source: SourceObject, report: boolean): number | undefined {
  const matches = rules.map((r) => (r.matches ?? []) as Record<string, unknown>[]);
  const ports = new Set(matches.flat().map((m) => m.port));
  const port = ports.size === 1 && matches.every((m) => m.length > 0) ? [...ports][0] : undefined;
  if (port === undefined && [...ports].some((p) => p !== undefined) && report) source.note('dropped', 'spec.http[].match[].port', 'Meshform names one port per route; these rules match different ports');
  for (const r of rules) {
    const kept = (r.matches as Record<string, unknown>[] | undefined)?.map(({ port: _, ...rest }) => rest);
    if (kept?.every((m) => Object.keys(m).length === 0)) delete r.matches;
    else if (kept) r.matches = kept;
  }
  return port as number | undefined;
}

/** Istio VirtualService → one TrafficRoute per host it routes. */
export function importVirtualService(source: SourceObject, ctx: ImportContext): Converted {
  const root = source.root();
  const meta = readMetadata(root);
  const spec = root.object('spec');
  if (!spec) return { resources: [], services: [] };
  const hints: ServiceHint[] = [];
  spec.drop('gateways', 'Meshform has no gateways; the route applies inside the mesh');
  spec.drop('exportTo', 'Meshform routes are visible mesh-wide');
  spec.drop('tcp', 'Meshform splits TCP traffic only by weight through a rule without matches; TCP routes are not imported');
  spec.drop('tls', 'Meshform does not route on SNI');
  const hosts = spec.strings('hosts') ?? [];
  const services = hosts.flatMap((host) => {
    const svc = serviceOfHost(host, meta.namespace, ctx);
    if (!svc) source.note('dropped', `spec.hosts`, `"${host}" is neither a service of the cluster nor a host a ServiceEntry declares`);
    return svc ? [svc] : [];
  });
  const https = spec.list('http');
  const resources = services.map((svc, i) => {
    const own = { name: svc.name, namespace: svc.namespace };
    if (!svc.external) hints.push({ ...own });
    const rules = https.map((h) => ruleOf(h, own, ctx, hints));
    const port = routePort(rules, source, i === 0);
    const name = services.length === 1 ? meta.name : `${meta.name}-${svc.name}`.slice(0, 63);
    if (i > 0) source.note('differs', 'spec.hosts', `one TrafficRoute per host: this one is ${name}`);
    return draft('TrafficRoute', name, meta.namespace, { service: compact({ name: svc.name, namespace: svc.namespace === meta.namespace ? undefined : svc.namespace, port }), rules }, meta);
  });
  return { resources, services: hints };
}
