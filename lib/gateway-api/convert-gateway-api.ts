import { readMetadata, type Draft } from '../migrate/import-context';
import { SourceObject } from '../migrate/source-fields';
import { resourceRef } from '../naming/names';
import type { Finding } from '../validation/finding';
import { findingFromIssue } from '../validation/validate-resource';
import { convertGateway, gatewayStatus, type ConvertedGateway, type Problem } from './convert-gateway';
import { convertRoute, type RouteContext } from './convert-route';
import { mergeServiceRoutes } from './merge-service-routes';
import { DEFAULT_GATEWAY_CLASS_NAMES, GATEWAY_API_SCHEMAS, gatewayApiKindOf, type GatewayApiKind, type ReferenceGrantObject } from './objects';
import { ReferenceGrants } from './reference-grants';
import { validateDraft } from './validate-draft';

/** One Gateway API object as a source read it. */
export interface GatewayApiInput {
  readonly object: unknown;
  /** Where it came from (`file#document`), put before the object's name in findings; empty for the API server. */
  readonly origin: string;
}

export interface GatewayApiOptions {
  /** GatewayClass names whose Gateways Meshform programs. @default ["meshform"] */
  readonly gatewayClassNames?: readonly string[];
  /** Whether a Service exists in the mesh. @default every Service exists */
  readonly serviceExists?: (namespace: string, name: string) => boolean;
}

/** What became of one Gateway API object. */
export interface GatewayApiResult {
  readonly kind: GatewayApiKind;
  readonly namespace: string;
  readonly name: string;
  readonly origin: string;
  /** The Meshform resources made from it (none when it is not accepted). */
  readonly resources: readonly Draft[];
  /** The status Meshform writes on it; absent for ReferenceGrants and objects of other implementations. */
  readonly status?: Record<string, unknown>;
  /** Everything wrong or unsupported, as `meshform analyze` reports it. */
  readonly findings: readonly Finding[];
}

const FIX_UNSUPPORTED = 'remove the field or value, or express it with Meshform resources (docs/gateway-api.md lists what is supported)';

function metaOf(object: unknown): { name: string; namespace: string; generation?: number; creationTimestamp?: string } {
  const m = ((object ?? {}) as { metadata?: { name?: unknown; namespace?: unknown; generation?: unknown; creationTimestamp?: unknown } }).metadata ?? {};
  return {
    name: typeof m.name === 'string' ? m.name : '<unnamed>',
    namespace: typeof m.namespace === 'string' ? m.namespace : 'default',
    ...(typeof m.generation === 'number' ? { generation: m.generation } : {}),
    ...(typeof m.creationTimestamp === 'string' ? { creationTimestamp: m.creationTimestamp } : {}),
  };
}

/**
 * Converts Gateway API objects (Gateway, HTTPRoute, GRPCRoute, ReferenceGrant) into Meshform
 * resources and the status Meshform reports on each. Pure: the controller's sources and
 * `meshform analyze` both call it on everything they read, so a change to one object (a new
 * ReferenceGrant, a Gateway's listeners) re-decides the objects that depend on it. A bad object
 * affects only itself.
 */
export function convertGatewayApi(inputs: readonly GatewayApiInput[], options: GatewayApiOptions = {}): GatewayApiResult[] {
  const classes = options.gatewayClassNames ?? DEFAULT_GATEWAY_CLASS_NAMES;
  const items = inputs.flatMap((input) => {
    const kind = gatewayApiKindOf(input.object);
    if (!kind) return [];
    const meta = metaOf(input.object);
    const label = resourceRef(kind, meta.name, meta.namespace);
    const where = input.origin ? `${input.origin} ${label}` : label;
    const parsed = GATEWAY_API_SCHEMAS[kind].safeParse(input.object);
    const findings: Finding[] = parsed.success ? [] : parsed.error.issues.map((i) => ({ ...findingFromIssue(i, input.object, where), code: 'GATEWAY_API_INVALID' }));
    return [{ input, kind, meta, where, findings }];
  });
  const valid = items.filter((i) => i.findings.length === 0);
  const grants = new ReferenceGrants(valid.filter((i) => i.kind === 'ReferenceGrant').map((i) => i.input.object as ReferenceGrantObject));
  const gateways = new Map<string, ConvertedGateway>();
  const gatewayResults = new Map<(typeof items)[number], { gateway: ConvertedGateway; invalid: Finding[] }>();
  for (const item of valid) {
    if (item.kind !== 'Gateway' || !classes.includes((item.input.object as { spec: { gatewayClassName: string } }).spec.gatewayClassName)) continue;
    const gateway = guarded(item, (source) => convertGateway(source, item.meta, grants));
    if (!gateway) continue;
    const invalid = gateway.resource ? validateDraft(gateway.resource, item.where) : [];
    const kept = invalid.length ? { ...gateway, resource: undefined } : gateway;
    gateways.set(`${item.meta.namespace}/${item.meta.name}`, kept);
    gatewayResults.set(item, { gateway: kept, invalid });
  }
  const ctx: RouteContext = { gateways, grants, serviceExists: options.serviceExists ?? (() => true) };
  const routes = new Map(
    valid
      .filter((i) => i.kind === 'HTTPRoute' || i.kind === 'GRPCRoute')
      .flatMap((item) => {
        const route = guarded(item, (source) => convertRoute(source, item.kind as 'HTTPRoute' | 'GRPCRoute', item.meta, item.where, ctx));
        return route ? [[item, route] as const] : [];
      }),
  );
  const merged = mergeServiceRoutes(
    [...routes].map(([item, route]) => ({ owner: item, order: `${item.meta.creationTimestamp ?? ''}|${item.meta.namespace}/${item.meta.name}`, label: `${item.kind} ${item.meta.namespace}/${item.meta.name}`, drafts: route.resources })),
  );
  // Gateway statuses last: their listeners count the routes attached above.
  return items.map((item) => {
    const base = { kind: item.kind, namespace: item.meta.namespace, name: item.meta.name, origin: item.input.origin };
    const gw = gatewayResults.get(item);
    if (gw) {
      const findings = [
        ...gw.gateway.unsupported.map((u) => unsupportedFinding(item.where, u)),
        ...gw.gateway.refused.map((r) => ({ code: 'GATEWAY_API_REF_NOT_RESOLVED', where: item.where, field: r.field, message: r.why, fix: 'reference a Secret of type kubernetes.io/tls (a ReferenceGrant in its namespace when that is another) and route kinds HTTPRoute or GRPCRoute' })),
        ...gw.invalid,
      ];
      return { ...base, resources: gw.gateway.resource ? [gw.gateway.resource] : [], status: gatewayStatus(gw.gateway, item.meta.generation, gw.invalid), findings };
    }
    const route = routes.get(item);
    if (route) {
      const parentProblems = route.status.parents.flatMap((p) =>
        p.conditions.filter((c) => c.type === 'Accepted' && c.status === 'False' && c.reason !== 'UnsupportedValue').map((c) => ({ code: 'GATEWAY_API_NOT_ATTACHED', where: item.where, field: 'spec.parentRefs', message: `${c.reason}: ${c.message}`, fix: 'name a listener that admits the route (sectionName, port, hostnames, allowedRoutes)' })),
      );
      const findings = [
        ...route.unsupported.map((u) => unsupportedFinding(item.where, u)),
        ...route.refusals.map((r) => ({ code: r.reason === 'RefNotPermitted' ? 'GATEWAY_API_REF_NOT_PERMITTED' : r.reason === 'BackendNotFound' ? 'GATEWAY_API_BACKEND_NOT_FOUND' : 'GATEWAY_API_INVALID_KIND', where: item.where, field: r.message.split(':')[0]!, message: r.message.slice(r.message.indexOf(':') + 2), fix: r.reason === 'RefNotPermitted' ? 'add a ReferenceGrant in the Service\'s namespace that allows this route\'s kind and namespace' : 'name a Service of the mesh' })),
        ...route.invalid,
        ...parentProblems,
      ];
      return { ...base, resources: merged.get(item) ?? [], ...(route.status.parents.length ? { status: route.status } : {}), findings };
    }
    return { ...base, resources: [], findings: item.findings };
  });
}

/**
 * Converts one object; a shape the schemas let through but the conversion cannot read (a filter
 * without its settings) becomes a finding on that object alone.
 */
function guarded<T>(item: { input: GatewayApiInput; where: string; findings: Finding[] }, convert: (source: SourceObject) => T): T | undefined {
  try {
    const source = new SourceObject(item.input.origin, item.input.object as Record<string, unknown>);
    readMetadata(source.root());
    return convert(source);
  } catch (error) {
    item.findings.push({ code: 'GATEWAY_API_INVALID', where: item.where, field: 'spec', message: `cannot be read: ${(error as Error).message}`, fix: 'check the object against the Gateway API CRD (kubectl apply --dry-run=server)' });
    return undefined;
  }
}

function unsupportedFinding(where: string, u: Problem): Finding {
  return { code: 'GATEWAY_API_UNSUPPORTED', where, field: u.field, message: `is not supported: ${u.why}`, fix: FIX_UNSUPPORTED };
}
