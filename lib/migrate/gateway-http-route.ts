import { compact, draft, durationText, labelName, readMetadata, type Converted, type ServiceHint } from './import-context';
import type { Fields, SourceObject } from './source-fields';
import { percents } from './weights';

const PATH_TYPES: Record<string, string> = { PathPrefix: 'Prefix', Exact: 'Exact', RegularExpression: 'RegularExpression' };

function matchOf(m: Fields): Record<string, unknown> {
  const p = m.object('path');
  const headers = m.list('headers').map((h) => compact({ name: h.string('name')?.toLowerCase(), type: h.string('type') === 'RegularExpression' ? 'RegularExpression' : undefined, value: h.string('value') }));
  const query = m.list('queryParams').map((q) => compact({ name: q.string('name'), type: q.string('type') === 'RegularExpression' ? 'RegularExpression' : undefined, value: q.string('value') }));
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

function headerChanges(f: Fields | undefined): Record<string, unknown> | undefined {
  if (!f) return undefined;
  const pairs = (key: string) => {
    const list = f.list(key).map((h) => [h.string('name')!.toLowerCase(), h.string('value') ?? ''] as const);
    return list.length ? Object.fromEntries(list) : undefined;
  };
  return compact({ set: pairs('set'), add: pairs('add'), remove: f.strings('remove')?.map((h) => h.toLowerCase()) });
}

function backendOf(b: Fields, own: { name: string; namespace: string; port?: number }, hints: ServiceHint[]): Record<string, unknown> {
  b.ignore('group', 'kind');
  b.drop('filters', 'Meshform sets filters per rule, not per backend');
  const name = b.string('name')!;
  const namespace = b.string('namespace') ?? own.namespace;
  hints.push({ name, namespace });
  const port = b.number('port');
  // The route's own service on its own port is Meshform's default backend.
  const same = name === own.name && namespace === own.namespace;
  return compact({ name: same ? undefined : name, namespace: namespace === own.namespace ? undefined : namespace, port: same && (own.port === undefined || port === own.port) ? undefined : port });
}

function ruleOf(r: Fields, own: { name: string; namespace: string; port?: number }, hints: ServiceHint[]): Record<string, unknown> {
  const matches = r.list('matches').map(matchOf).filter((m) => Object.keys(m).length > 0);
  const refs = r.list('backendRefs');
  const weights = percents(refs.map((b) => b.number('weight') ?? 1));
  if (!weights.exact) r.source.note('differs', r.at('backendRefs'), `weights became whole percents ${weights.percents.join(':')}`);
  const backends = refs.map((b, i) => compact({ ...backendOf(b, own, hints), weight: refs.length === 1 ? undefined : weights.percents[i] }));
  const out: Record<string, unknown> = { name: r.has('name') ? labelName(r.string('name')!, r, r.at('name')) : undefined, matches: matches.length ? matches : undefined, backends: backends.length ? backends : undefined };
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
      if (ref) out.mirror = compact({ backend: backendOf(ref, own, hints), percent });
    } else f.dropAll(`filter ${type ?? '<untyped>'} has no Meshform equivalent`);
  }
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

/** Gateway API HTTPRoute attached to a Service (GAMMA) → TrafficRoute of that service. */
export function importHttpRoute(source: SourceObject): Converted {
  const root = source.root();
  const meta = readMetadata(root);
  const spec = root.object('spec');
  if (!spec) return { resources: [], services: [] };
  spec.drop('hostnames', 'Meshform routes apply to a service by name, not by host name');
  const parents = spec.list('parentRefs').filter((p) => {
    const kind = p.string('kind') ?? 'Gateway';
    p.ignore('group');
    if (kind !== 'Service') p.dropAll('Meshform has no gateways; only routes attached to a Service (GAMMA) are imported');
    return kind === 'Service';
  });
  const hints: ServiceHint[] = [];
  const rules = spec.list('rules');
  const resources = parents.map((p, i) => {
    p.drop('sectionName', 'Meshform routes name a port, not a section');
    const port = p.number('port');
    const own = { name: p.string('name')!, namespace: p.string('namespace') ?? meta.namespace, ...(port !== undefined ? { port } : {}) };
    hints.push({ name: own.name, namespace: own.namespace, ...(port ? { ports: [{ port }] } : {}) });
    const name = parents.length === 1 ? meta.name : `${meta.name}-${own.name}`.slice(0, 63);
    if (i > 0) source.note('differs', 'spec.parentRefs', `one TrafficRoute per parent: this one is ${name}`);
    return draft('TrafficRoute', name, meta.namespace, { service: compact({ name: own.name, namespace: own.namespace === meta.namespace ? undefined : own.namespace, port }), rules: rules.map((r) => ruleOf(r, own, hints)) }, meta);
  });
  return { resources, services: hints };
}
