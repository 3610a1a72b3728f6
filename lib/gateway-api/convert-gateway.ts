import type { Finding } from '../validation/finding';
import { compact, draft, labelName, type Draft } from '../migrate/import-context';
import type { Fields, SourceObject } from '../migrate/source-fields';
import { condition, Reason, type GatewayApiCondition } from './conditions';
import { GATEWAY_API_GROUP } from './objects';
import type { ReferenceGrants } from './reference-grants';

const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute'] as const;

/** A listener of a Gateway as routes attach to it. */
export interface ListenerInfo {
  /** The name as written (routes' sectionName) and as converted (the MeshGateway listener's). */
  readonly name: string;
  readonly meshName: string;
  readonly port: number;
  readonly hostname?: string;
  /** Whether the gateway serves it (accepted, and an HTTPS listener with a certificate it may use). */
  readonly served: boolean;
  readonly from: 'Same' | 'All';
  readonly kinds: readonly string[];
  attachedRoutes: number;
  readonly conditions: GatewayApiCondition[];
}

/** A Gateway of a class Meshform programs, converted. */
export interface ConvertedGateway {
  readonly namespace: string;
  readonly name: string;
  readonly listeners: ListenerInfo[];
  /** The MeshGateway, absent when the Gateway cannot be accepted. */
  readonly resource?: Draft;
  /** What keeps the Gateway (as a whole) from being accepted: `field: why`. */
  readonly problems: string[];
  /** Every field Meshform does not support, and every reference it may not or cannot use. */
  readonly unsupported: readonly Problem[];
  readonly refused: readonly Problem[];
}

/** A field of the object and why Meshform does not take it. */
export interface Problem {
  readonly field: string;
  readonly why: string;
}

function listenerIndex(field: string): number | undefined {
  const m = /^spec\.listeners\[(\d+)\]/.exec(field);
  return m ? Number(m[1]) : undefined;
}

function readListener(l: Fields, gateway: { namespace: string }, grants: ReferenceGrants, refused: Problem[]): { spec: Record<string, unknown>; info: Omit<ListenerInfo, 'served' | 'conditions' | 'attachedRoutes'>; protocolOk: boolean } {
  const name = l.string('name')!;
  const port = l.number('port')!;
  const protocol = l.string('protocol')!;
  const hostname = l.string('hostname');
  const protocolOk = protocol === 'HTTP' || protocol === 'HTTPS';
  if (!protocolOk) l.source.note('dropped', l.at('protocol'), `${protocol}: Meshform gateways serve HTTP and HTTPS listeners`);
  const tls = l.object('tls');
  const mode = tls?.string('mode') ?? 'Terminate';
  if (tls && mode !== 'Terminate') l.source.note('dropped', tls.at('mode'), `${mode}: Meshform gateways terminate TLS`);
  tls?.drop('options', 'Meshform gateways take no TLS options');
  tls?.drop('frontendValidation', 'Meshform gateways do not ask clients for certificates');
  const certificates = (tls?.list('certificateRefs') ?? []).flatMap((ref) => {
    const group = ref.string('group') ?? '';
    const kind = ref.string('kind') ?? 'Secret';
    const secretName = ref.string('name')!;
    const namespace = ref.string('namespace') ?? gateway.namespace;
    if (group !== '' || kind !== 'Secret') {
      refused.push({ field: ref.path, why: `${group ? `${group}/` : ''}${kind} is not a Secret` });
      return [];
    }
    if (!grants.permits({ group: GATEWAY_API_GROUP, kind: 'Gateway', namespace: gateway.namespace }, { group: '', kind: 'Secret', namespace, name: secretName })) {
      refused.push({ field: ref.path, why: `Secret ${namespace}/${secretName} is in another namespace and no ReferenceGrant there allows it` });
      return [];
    }
    return [compact({ secretName, namespace: namespace === gateway.namespace ? undefined : namespace })];
  });
  const allowed = l.object('allowedRoutes');
  const namespaces = allowed?.object('namespaces');
  const from = namespaces?.string('from') ?? 'Same';
  if (from !== 'Same' && from !== 'All') namespaces!.source.note('dropped', namespaces!.at('from'), `${from}: Meshform listeners admit routes of the same namespace or of all`);
  namespaces?.drop('selector', 'Meshform listeners admit routes by Same or All, not by a namespace selector');
  const kinds = allowed?.has('kinds')
    ? allowed.list('kinds').flatMap((k) => {
        const kind = k.string('kind')!;
        const group = k.string('group') ?? GATEWAY_API_GROUP;
        if (group === GATEWAY_API_GROUP && (ROUTE_KINDS as readonly string[]).includes(kind)) return [kind];
        refused.push({ field: k.path, why: `${group}/${kind} is not a route kind Meshform serves (HTTPRoute, GRPCRoute)` });
        return [];
      })
    : [...ROUTE_KINDS];
  const spec = compact({
    name: labelName(name, l, l.at('name')),
    port,
    protocol: protocolOk ? protocol : undefined,
    hostname,
    tls: protocol === 'HTTPS' ? { certificates } : undefined,
    allowedRoutes: from === 'All' ? { namespaces: 'All' } : undefined,
  });
  return { spec, info: { name, meshName: spec.name as string, port, ...(hostname !== undefined ? { hostname } : {}), from: from === 'All' ? 'All' : 'Same', kinds }, protocolOk };
}

/**
 * Gateway (of a class Meshform programs) → MeshGateway. A listener Meshform cannot serve as written
 * (another protocol, a field it does not support, a certificate it may not use) is left out and
 * its status says why; the others are served. A field of the Gateway itself that Meshform does not
 * support keeps the whole Gateway from being accepted.
 */
export function convertGateway(source: SourceObject, meta: { name: string; namespace: string; generation?: number }, grants: ReferenceGrants): ConvertedGateway {
  const spec = source.root().object('spec')!;
  spec.ignore('gatewayClassName');
  const drafts = spec.list('listeners').map((l) => {
    const refused: Problem[] = [];
    return { ...readListener(l, meta, grants, refused), refused };
  });
  spec.drop('addresses', 'Meshform gateways take the address their Service (or meshform up) gives them');
  spec.drop('infrastructure', 'Meshform gateways are deployed by the MeshGateway construct');
  spec.drop('tls', 'Meshform gateways take no gateway-wide TLS settings');
  spec.drop('allowedListeners', 'Meshform gateways do not merge ListenerSets');
  const notes = source.finish().filter((n) => n.severity === 'dropped');
  const text = (p: Problem) => `${p.field}: ${p.why}`;
  const listeners: ListenerInfo[] = drafts.map((d, i) => {
    const unsupported = notes.filter((n) => listenerIndex(n.field) === i).map(text);
    const accepted = unsupported.length === 0;
    // An HTTPS listener left without a certificate it may use cannot be served; the others still are.
    const served = accepted && !(d.spec.protocol === 'HTTPS' && (d.spec.tls as { certificates: unknown[] }).certificates.length === 0);
    const g = meta.generation;
    return {
      ...d.info,
      served,
      attachedRoutes: 0,
      conditions: [
        condition('Accepted', accepted, accepted ? Reason.Accepted : d.protocolOk ? Reason.UnsupportedValue : Reason.UnsupportedProtocol, accepted ? 'served by the Meshform gateway' : unsupported.join('\n'), g),
        condition('ResolvedRefs', d.refused.length === 0, d.refused.length === 0 ? Reason.ResolvedRefs : d.refused.some((r) => r.why.includes('ReferenceGrant')) ? Reason.RefNotPermitted : d.refused.some((r) => r.field.includes('kinds')) ? Reason.InvalidRouteKinds : Reason.InvalidCertificateRef, d.refused.length === 0 ? 'every reference resolved' : d.refused.map(text).join('\n'), g),
        condition('Programmed', served, served ? Reason.Programmed : Reason.Invalid, served ? 'configured on the gateway proxies' : accepted ? 'not served: no certificate it may use; see ResolvedRefs' : 'not served; see Accepted', g),
      ],
    };
  });
  const problems = notes.filter((n) => listenerIndex(n.field) === undefined).map(text);
  const served = drafts.filter((_, i) => listeners[i]!.served);
  if (served.length === 0) problems.push('spec.listeners: no listener can be served');
  const resource = problems.length === 0 ? draft('MeshGateway', meta.name, meta.namespace, { listeners: served.map((d) => d.spec) }) : undefined;
  const unsupported = notes.map((n) => ({ field: n.field, why: n.why }));
  return { namespace: meta.namespace, name: meta.name, listeners, problems, unsupported, refused: drafts.flatMap((d) => d.refused), ...(resource ? { resource } : {}) };
}

/** The Gateway's own status: Accepted and Programmed, and one entry per listener. */
export function gatewayStatus(gateway: ConvertedGateway, generation: number | undefined, invalid: readonly Finding[]): Record<string, unknown> {
  const notServed = gateway.listeners.filter((l) => !l.served).map((l) => l.name);
  const problems = [...gateway.problems, ...invalid.map((f) => `${f.field}: ${f.message}`)];
  const ok = problems.length === 0;
  const accepted = ok
    ? condition('Accepted', true, notServed.length ? Reason.ListenersNotValid : Reason.Accepted, notServed.length ? `listeners not served: ${notServed.join(', ')}` : 'accepted by Meshform', generation)
    : condition('Accepted', false, gateway.problems.length ? Reason.UnsupportedValue : Reason.Invalid, problems.join('\n'), generation);
  return {
    conditions: [accepted, condition('Programmed', ok, ok ? Reason.Programmed : Reason.Invalid, ok ? 'configured on the gateway proxies' : 'not programmed; see Accepted', generation)],
    listeners: gateway.listeners.map((l) => ({ name: l.name, supportedKinds: l.kinds.map((kind) => ({ group: GATEWAY_API_GROUP, kind })), attachedRoutes: l.attachedRoutes, conditions: l.conditions })),
  };
}
