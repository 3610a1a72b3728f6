import { compact, draft, type Draft } from '../migrate/import-context';
import type { Finding } from '../validation/finding';
import type { Fields, SourceObject } from '../migrate/source-fields';
import { condition, Reason, type GatewayApiCondition } from './conditions';
import type { ConvertedGateway, ListenerInfo } from './convert-gateway';
import { GATEWAY_API_GROUP, GATEWAY_CONTROLLER_NAME } from './objects';
import type { ReferenceGrants } from './reference-grants';
import { byPrecedence, segmentPrefixes } from './route-precedence';
import { convertRule, grpcMatch, httpMatch, type BackendResolver } from './route-rules';
import { validateDraft } from './validate-draft';

export type RouteKind = 'HTTPRoute' | 'GRPCRoute';

/** What route conversion looks up in the rest of the input. */
export interface RouteContext {
  /** Gateways of a class Meshform programs, by `namespace/name`. */
  readonly gateways: ReadonlyMap<string, ConvertedGateway>;
  readonly grants: ReferenceGrants;
  /** Whether a Service (MeshService) exists; a backend naming none gets BackendNotFound. */
  serviceExists(namespace: string, name: string): boolean;
}

/** A reference the route could not use, with the Gateway API reason. */
interface Refusal {
  readonly reason: string;
  readonly message: string;
}

/** One parentRef of the route that Meshform answers for. */
interface Parent {
  readonly ref: Record<string, unknown>;
  readonly namespace: string;
  readonly name: string;
  readonly sectionName?: string;
  readonly port?: number;
  readonly gateway?: ConvertedGateway;
}

export interface ConvertedRoute {
  readonly resources: Draft[];
  /** Route status: one entry of `parents` per parent Meshform answers for. */
  readonly status: { parents: { parentRef: Record<string, unknown>; controllerName: string; conditions: GatewayApiCondition[] }[] };
  /** What keeps it from being accepted, and references it could not use: `field: why`. */
  readonly unsupported: readonly { field: string; why: string }[];
  readonly refusals: readonly Refusal[];
  /** Findings on the converted resources. */
  readonly invalid: readonly Finding[];
}

/** Whether a listener's host name admits one of the route's (Gateway API's intersection rules). */
function hostsIntersect(listener: string | undefined, routeHosts: readonly string[]): boolean {
  if (listener === undefined || routeHosts.length === 0) return true;
  const covers = (wild: string, host: string) => wild.startsWith('*.') && host.endsWith(wild.slice(1)) && host.length > wild.length - 1;
  return routeHosts.some((h) => h === listener || covers(listener, h) || covers(h, listener) || (h.startsWith('*.') && listener.startsWith('*.') && (covers(h, listener.slice(2)) || covers(listener, h.slice(2)))));
}

function readParents(spec: Fields, namespace: string, gateways: RouteContext['gateways']): Parent[] {
  return spec.list('parentRefs').flatMap((p) => {
    const group = p.string('group') ?? GATEWAY_API_GROUP;
    const kind = p.string('kind') ?? 'Gateway';
    const name = p.string('name')!;
    const parentNamespace = p.string('namespace') ?? namespace;
    const sectionName = p.string('sectionName');
    const port = p.number('port');
    const ref = compact({ group: p.has('group') ? group : undefined, kind: p.has('kind') ? kind : undefined, namespace: p.has('namespace') ? parentNamespace : undefined, name, sectionName, port });
    const base = { ref, namespace: parentNamespace, name, ...(sectionName !== undefined ? { sectionName } : {}), ...(port !== undefined ? { port } : {}) };
    if (group === '' && kind === 'Service') {
      if (parentNamespace !== namespace) p.source.note('differs', p.at('namespace'), 'a route in another namespace than its Service (a GAMMA consumer route) applies to every caller of the Service, not only to callers in its own namespace');
      return [base];
    }
    const gateway = group === GATEWAY_API_GROUP && kind === 'Gateway' ? gateways.get(`${parentNamespace}/${name}`) : undefined;
    // A parent of another implementation gets no status from Meshform.
    return gateway ? [{ ...base, gateway }] : [];
  });
}

function resolver(kind: RouteKind, namespace: string, ctx: RouteContext, refusals: Refusal[]): BackendResolver {
  return (b) => {
    const group = b.string('group') ?? '';
    const refKind = b.string('kind') ?? 'Service';
    const name = b.string('name')!;
    const target = b.string('namespace') ?? namespace;
    const port = b.number('port');
    b.drop('filters', 'Meshform sets filters per rule, not per backend');
    if (group !== '' || refKind !== 'Service') {
      refusals.push({ reason: Reason.InvalidKind, message: `${b.path}: ${group ? `${group}/` : ''}${refKind} is not a Service` });
      return undefined;
    }
    if (!ctx.grants.permits({ group: GATEWAY_API_GROUP, kind, namespace }, { group: '', kind: 'Service', namespace: target, name })) {
      refusals.push({ reason: Reason.RefNotPermitted, message: `${b.path}: Service ${target}/${name} is in another namespace and no ReferenceGrant there allows ${kind}s of ${namespace}` });
      return undefined;
    }
    if (!ctx.serviceExists(target, name)) {
      refusals.push({ reason: Reason.BackendNotFound, message: `${b.path}: no Service ${target}/${name} in the mesh` });
      return undefined;
    }
    return compact({ name, namespace: target === namespace ? undefined : target, port });
  };
}

/** The listeners of a parent Gateway the route attaches to, or why it attaches to none. */
function attach(parent: Parent, kind: RouteKind, namespace: string, hostnames: readonly string[]): { listeners: ListenerInfo[] } | { reason: string; message: string } {
  const gateway = parent.gateway!;
  const named = gateway.listeners.filter((l) => l.served && (parent.sectionName === undefined || l.name === parent.sectionName) && (parent.port === undefined || l.port === parent.port));
  if (named.length === 0) return { reason: Reason.NoMatchingParent, message: `Gateway ${gateway.namespace}/${gateway.name} has no listener it serves${parent.sectionName ? ` named ${parent.sectionName}` : ''}${parent.port ? ` on port ${parent.port}` : ''}` };
  const allowed = named.filter((l) => l.kinds.includes(kind) && (l.from === 'All' || gateway.namespace === namespace));
  if (allowed.length === 0) return { reason: Reason.NotAllowedByListeners, message: `the listeners of Gateway ${gateway.namespace}/${gateway.name} do not admit ${kind}s of namespace ${namespace}` };
  const hosts = allowed.filter((l) => hostsIntersect(l.hostname, hostnames));
  if (hosts.length === 0) return { reason: Reason.NoMatchingListenerHostname, message: `no listener's hostname matches ${hostnames.join(', ')}` };
  return { listeners: hosts };
}

/**
 * HTTPRoute or GRPCRoute → Meshform routes: a TrafficRoute per Service parent (GAMMA, east-west) and
 * one GatewayRoute for the Gateway parents it attaches to. A route with a field Meshform cannot
 * carry out is not accepted at all (reason UnsupportedValue, naming each field): serving it
 * without the field would silently change what it means.
 */
export function convertRoute(source: SourceObject, kind: RouteKind, meta: { name: string; namespace: string; generation?: number }, where: string, ctx: RouteContext): ConvertedRoute {
  const spec = source.root().object('spec')!;
  const parents = readParents(spec, meta.namespace, ctx.gateways);
  const hostnames = spec.strings('hostnames') ?? [];
  const refusals: Refusal[] = [];
  const written = spec.list('rules').map((r) => convertRule(r, resolver(kind, meta.namespace, ctx, refusals), kind === 'GRPCRoute' ? grpcMatch : httpMatch));
  const rules = kind === 'HTTPRoute' ? segmentPrefixes(byPrecedence(written)) : byPrecedence(written);
  const notes = source.finish();
  const unsupported = notes.filter((n) => n.severity === 'dropped').map((n) => ({ field: n.field, why: n.why }));
  // What is carried out with a different meaning is said in the Accepted message.
  const differs = notes.filter((n) => n.severity === 'differs').map((n) => `\ncarried out differently: ${n.field}: ${n.why}`).join('');
  const g = meta.generation;
  const resolved = condition('ResolvedRefs', refusals.length === 0, refusals[0]?.reason ?? Reason.ResolvedRefs, refusals.length ? refusals.map((r) => r.message).join('\n') : 'every backend resolved', g);
  const resources: Draft[] = [];
  const origin = { annotations: { 'meshform.dev/converted-from': `${kind} ${meta.namespace}/${meta.name}` } };
  const base = `${kind.toLowerCase()}-${meta.name}`;
  const services = parents.filter((p) => !p.gateway);
  const entries = parents.map((p) => {
    if (unsupported.length) return { p, accepted: condition('Accepted', false, Reason.UnsupportedValue, unsupported.map((u) => `${u.field}: ${u.why}`).join('\n'), g) };
    if (!p.gateway) {
      const name = (services.length === 1 ? base : `${base}-${p.name}`).slice(0, 63).replace(/-+$/, '');
      resources.push(draft('TrafficRoute', name, meta.namespace, { service: compact({ name: p.name, namespace: p.namespace === meta.namespace ? undefined : p.namespace, port: p.port }), rules }, origin));
      return { p, accepted: condition('Accepted', true, Reason.Accepted, `routes the traffic to Service ${p.namespace}/${p.name}${differs}`, g) };
    }
    const at = attach(p, kind, meta.namespace, hostnames);
    if ('reason' in at) return { p, accepted: condition('Accepted', false, at.reason, at.message, g) };
    return { p, accepted: condition('Accepted', true, Reason.Accepted, `attached to listener${at.listeners.length > 1 ? 's' : ''} ${at.listeners.map((l) => l.name).join(', ')}${differs}`, g), listeners: at.listeners };
  });
  const gatewayParents = entries.flatMap((e) => (e.p.gateway && e.accepted.status === 'True' ? [e] : []));
  if (gatewayParents.length) {
    const parentRefs = gatewayParents.map((e) => compact({ name: e.p.name, namespace: e.p.namespace === meta.namespace ? undefined : e.p.namespace, sectionName: e.p.sectionName === undefined ? undefined : e.listeners?.[0]?.meshName, port: e.p.port }));
    resources.push(draft('GatewayRoute', base.slice(0, 63).replace(/-+$/, ''), meta.namespace, compact({ parentRefs, hostnames: hostnames.length ? hostnames : undefined, rules }), origin));
  }
  // What the conversion made but Meshform's schemas refuse (more than 128 rules once each match is a rule of its own) is not served either.
  const invalid = resources.flatMap((d) => validateDraft(d, where));
  const refused = (accepted: GatewayApiCondition) => (invalid.length && accepted.status === 'True' ? condition('Accepted', false, Reason.UnsupportedValue, invalid.map((f) => `${f.field}: ${f.message}`).join('\n'), g) : accepted);
  if (invalid.length === 0) for (const e of entries) for (const l of e.listeners ?? []) l.attachedRoutes += 1;
  return {
    resources: invalid.length ? [] : resources,
    unsupported,
    invalid,
    refusals,
    status: { parents: entries.map((e) => ({ parentRef: e.p.ref, controllerName: GATEWAY_CONTROLLER_NAME, conditions: [refused(e.accepted), resolved] })) },
  };
}
