import { GATEWAY_API_GROUP } from '../gateway-api/objects';
import type { MeshResource, SpecOf } from '../api/kinds';
import type { MigrationNote } from './report';

type Rule = SpecOf<'TrafficRoute'>['rules'][number];
type Note = (field: string, why: string, severity?: MigrationNote['severity']) => void;

const PATH_TYPES = { Exact: 'Exact', Prefix: 'PathPrefix', RegularExpression: 'RegularExpression' } as const;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A header or query match as Gateway API says it: Exact or RegularExpression. */
function valueMatch(type: string, value: string | undefined, field: string, note: Note): { type: string; value: string } {
  if (type === 'Exact' || type === 'RegularExpression') return { type, value: value! };
  note(field, type === 'Prefix' ? 'Gateway API has no prefix match: written as a regular expression' : 'Gateway API has no presence match: written as the regular expression ".*"', 'differs');
  return { type: 'RegularExpression', value: type === 'Prefix' ? `^${escapeRegex(value!)}.*` : '.*' };
}

function pairs(values: Record<string, string>): { name: string; value: string }[] | undefined {
  const out = Object.entries(values).map(([name, value]) => ({ name, value }));
  return out.length ? out : undefined;
}

function defined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Meshform TrafficRoutes → Gateway API HTTPRoutes attached to their Service (GAMMA). Gateway API
 * routes to Services, not label subsets: a version becomes a Service of its own, `<service>-<version>`,
 * selecting the service's pods with the version's labels. Other kinds are not routes and are left to
 * `--to istio`.
 */
export function exportToGatewayApi(resources: readonly MeshResource[]): { objects: Record<string, unknown>[]; notes: MigrationNote[] } {
  const notes: MigrationNote[] = [];
  const objects: Record<string, unknown>[] = [];
  const nsOf = (r: MeshResource) => r.metadata.namespace ?? 'default';
  const services = resources.filter((r): r is MeshResource<'MeshService'> => r.kind === 'MeshService');
  const versionServices = new Map<string, Record<string, unknown>>();
  const serviceOf = (name: string, namespace: string) => services.find((s) => s.metadata.name === name && nsOf(s) === namespace);
  for (const r of resources) {
    if (r.kind !== 'TrafficRoute') {
      notes.push({ severity: 'dropped', file: '(export)', object: `${r.kind} ${r.metadata.namespace ? `${r.metadata.namespace}/` : ''}${r.metadata.name}`, field: '(whole object)', why: 'Gateway API holds routes only; export the rest with --to istio' });
      continue;
    }
    const route = r as MeshResource<'TrafficRoute'>;
    const own = { name: route.spec.service.name, namespace: route.spec.service.namespace ?? nsOf(r) };
    const backendRef = (b: { name?: string; namespace?: string; version?: string; port?: number }) => {
      const name = b.name ?? own.name;
      const namespace = b.namespace ?? own.namespace;
      const svc = serviceOf(name, namespace);
      const port = b.port ?? route.spec.service.port ?? svc?.spec.ports[0]?.port;
      if (b.version && svc) {
        const version = svc.spec.versions.find((v) => v.name === b.version);
        const vname = `${name}-${b.version}`.slice(0, 63);
        versionServices.set(`${namespace}/${vname}`, {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: vname, namespace },
          spec: { selector: { ...svc.spec.selector, ...version?.labels }, ports: svc.spec.ports.map((p) => defined({ name: p.name ?? `${p.protocol}-${p.port}`, port: p.port, targetPort: p.targetPort })) },
        });
        return defined({ name: vname, namespace: namespace === nsOf(r) ? undefined : namespace, port });
      }
      return defined({ name, namespace: namespace === nsOf(r) ? undefined : namespace, port });
    };
    const rules = route.spec.rules.map((rule, i) => {
      const note: Note = (field, why, severity = 'dropped') =>
        notes.push({ severity, file: '(export)', object: `TrafficRoute ${nsOf(r)}/${r.metadata.name}`, field: `spec.rules[${i}].${field}`, why });
      return httpRouteRule(rule, backendRef, note);
    });
    objects.push({
      apiVersion: `${GATEWAY_API_GROUP}/v1`,
      kind: 'HTTPRoute',
      metadata: { name: r.metadata.name, ...(r.metadata.namespace ? { namespace: r.metadata.namespace } : {}) },
      spec: { parentRefs: [defined({ group: '', kind: 'Service', name: own.name, namespace: own.namespace === nsOf(r) ? undefined : own.namespace, port: route.spec.service.port })], rules },
    });
  }
  return { objects: [...versionServices.values(), ...objects], notes };
}

function httpRouteRule(rule: Rule, backendRef: (b: { name?: string; namespace?: string; version?: string; port?: number }) => Record<string, unknown>, note: Note): Record<string, unknown> {
  const matches = rule.matches.map((m, i) => {
    if (m.path?.ignoreCase) note(`matches[${i}].path.ignoreCase`, 'Gateway API paths match case-sensitively');
    m.headers.forEach((h, j) => h.invert && note(`matches[${i}].headers[${j}].invert`, 'Gateway API cannot match the absence of a header'));
    m.cookies.forEach((_, j) => note(`matches[${i}].cookies[${j}]`, 'Gateway API matches the Cookie header by regular expression', 'differs'));
    const headers = [
      ...m.headers.filter((h) => !h.invert).map((h, j) => ({ name: h.name, ...valueMatch(h.type, h.value, `matches[${i}].headers[${j}]`, note) })),
      ...m.cookies.map((c) => ({ name: 'cookie', type: 'RegularExpression', value: `^(.*?;)?(${c.name}=${c.type === 'RegularExpression' ? c.value : escapeRegex(c.value)}${c.type === 'Prefix' ? '[^;]*' : ''})(;.*)?$` })),
    ];
    const queryParams = m.queryParams.map((q, j) => ({ name: q.name, ...valueMatch(q.type, q.value, `matches[${i}].queryParams[${j}]`, note) }));
    return defined({
      path: m.path ? { type: PATH_TYPES[m.path.type], value: m.path.value } : undefined,
      method: m.method,
      headers: headers.length ? headers : undefined,
      queryParams: queryParams.length ? queryParams : undefined,
    });
  });
  const filters: Record<string, unknown>[] = [];
  const headerFilter = (type: string, key: string, h: Rule['requestHeaders']) => {
    if (h) filters.push({ type, [key]: defined({ set: pairs(h.set), add: pairs(h.add), remove: h.remove.length ? h.remove : undefined }) });
  };
  headerFilter('RequestHeaderModifier', 'requestHeaderModifier', rule.requestHeaders);
  headerFilter('ResponseHeaderModifier', 'responseHeaderModifier', rule.responseHeaders);
  if (rule.rewrite) {
    const p = rule.rewrite.path;
    filters.push({ type: 'URLRewrite', urlRewrite: defined({ hostname: rule.rewrite.authority, path: p ? { type: p.type, [p.type === 'ReplaceFullPath' ? 'replaceFullPath' : 'replacePrefixMatch']: p.value } : undefined }) });
  }
  if (rule.redirect) {
    const d = rule.redirect;
    filters.push({ type: 'RequestRedirect', requestRedirect: defined({ scheme: d.scheme, hostname: d.host, port: d.port, path: d.path ? { type: 'ReplaceFullPath', replaceFullPath: d.path } : undefined, statusCode: d.statusCode }) });
  }
  if (rule.mirror) filters.push({ type: 'RequestMirror', requestMirror: defined({ backendRef: backendRef(rule.mirror.backend), percent: rule.mirror.percent === 100 ? undefined : rule.mirror.percent }) });
  if (rule.fault) note('fault', 'Gateway API has no fault injection');
  if (rule.directResponse) note('directResponse', 'Gateway API has no direct response');
  const retry = rule.retry;
  // gateway-error is exactly 502, 503 and 504; the other conditions are not status codes.
  const codesOf = (w: string) => (w === 'gateway-error' ? [502, 503, 504] : /^[0-9]{3}$/.test(w) ? [Number(w)] : []);
  const codes = retry ? [...new Set(retry.retryOn.flatMap(codesOf))] : undefined;
  const other = retry?.retryOn.filter((w) => codesOf(w).length === 0) ?? [];
  if (other.length) note('retry.retryOn', `Gateway API retries on status codes (and connection errors, always): ${other.join(', ')} not carried`, 'differs');
  if (retry?.budget) note('retry.budget', 'Gateway API has no per-route retry budget');
  return defined({
    name: rule.name,
    matches: matches.length ? matches : undefined,
    filters: filters.length ? filters : undefined,
    backendRefs: rule.backends.length ? rule.backends.map((b) => defined({ ...backendRef(b), weight: rule.backends.length > 1 ? b.weight : undefined })) : undefined,
    timeouts: rule.timeout || retry?.perTryTimeout ? defined({ request: rule.timeout, backendRequest: retry?.perTryTimeout }) : undefined,
    retry: retry ? defined({ attempts: retry.attempts, codes: codes!.length ? codes : undefined, backoff: retry.backoff?.baseInterval }) : undefined,
  });
}
