import { z } from 'zod';

/** The Gateway API's group. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/**
 * The kinds Meshform reads, with their REST plurals, the versions it accepts and the one the
 * controller watches (ReferenceGrant's v1beta1, which every release since v0.6 serves).
 */
export const GATEWAY_API_KINDS = {
  Gateway: { plural: 'gateways', versions: ['v1', 'v1beta1'], watch: 'v1' },
  HTTPRoute: { plural: 'httproutes', versions: ['v1', 'v1beta1'], watch: 'v1' },
  GRPCRoute: { plural: 'grpcroutes', versions: ['v1'], watch: 'v1' },
  ReferenceGrant: { plural: 'referencegrants', versions: ['v1', 'v1beta1'], watch: 'v1beta1' },
} as const;

export type GatewayApiKind = keyof typeof GATEWAY_API_KINDS;

/** The `controllerName` Meshform writes in route and gateway statuses. */
export const GATEWAY_CONTROLLER_NAME = 'meshform.dev/gateway-controller';

/** The GatewayClass names whose Gateways Meshform programs. */
export const DEFAULT_GATEWAY_CLASS_NAMES: readonly string[] = ['meshform'];

/**
 * The kind of a Gateway API object Meshform reads, or undefined for anything else (another group,
 * a kind it does not read, a version it does not know).
 */
export function gatewayApiKindOf(object: unknown): GatewayApiKind | undefined {
  const o = (object ?? {}) as { apiVersion?: unknown; kind?: unknown };
  if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') return undefined;
  const [group, version] = o.apiVersion.split('/');
  if (group !== GATEWAY_API_GROUP || !(o.kind in GATEWAY_API_KINDS)) return undefined;
  const kind = o.kind as GatewayApiKind;
  return (GATEWAY_API_KINDS[kind].versions as readonly string[]).includes(version ?? '') ? kind : undefined;
}

// The shapes below say what Meshform reads and its types; fields they do not name pass through
// and are reported as unsupported by the conversion, which records every field it reads.
const name = z.string().min(1).max(253);
const sectionName = z.string().min(1).max(253);

const parentRef = z.looseObject({ group: z.string().optional(), kind: z.string().optional(), namespace: name.optional(), name, sectionName: sectionName.optional(), port: z.number().int().min(1).max(65_535).optional() });
const backendRef = z.looseObject({ group: z.string().optional(), kind: z.string().optional(), namespace: name.optional(), name, port: z.number().int().min(1).max(65_535).optional(), weight: z.number().int().min(0).max(1_000_000).optional() });
const headerValue = z.looseObject({ name: z.string().min(1), value: z.string() });
const headerFilter = z.looseObject({ set: z.array(headerValue).optional(), add: z.array(headerValue).optional(), remove: z.array(z.string()).optional() });
const valueMatch = z.looseObject({ type: z.string().optional(), name: z.string().min(1), value: z.string() });
const filter = z.looseObject({ type: z.string(), requestHeaderModifier: headerFilter.optional(), responseHeaderModifier: headerFilter.optional() });

const metadata = z.looseObject({ name, namespace: name.optional(), generation: z.number().optional() });

function object<S extends z.ZodType>(spec: S) {
  return z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata, spec });
}

export const gatewayObject = object(
  z.looseObject({
    gatewayClassName: name,
    listeners: z
      .array(
        z.looseObject({
          name: sectionName,
          hostname: z.string().optional(),
          port: z.number().int().min(1).max(65_535),
          protocol: z.string(),
          tls: z.looseObject({ mode: z.string().optional(), certificateRefs: z.array(z.looseObject({ group: z.string().optional(), kind: z.string().optional(), name, namespace: name.optional() })).optional() }).optional(),
          allowedRoutes: z.looseObject({ namespaces: z.looseObject({ from: z.string().optional() }).optional(), kinds: z.array(z.looseObject({ group: z.string().optional(), kind: z.string() })).optional() }).optional(),
        }),
      )
      .min(1),
  }),
);

const ruleShape = { name: z.string().optional(), backendRefs: z.array(backendRef).optional(), filters: z.array(filter).optional() };

function routeObject<M extends z.ZodType, R extends Record<string, z.ZodType>>(match: M, extra: R) {
  return object(z.looseObject({ parentRefs: z.array(parentRef).optional(), hostnames: z.array(z.string()).optional(), rules: z.array(z.looseObject({ ...ruleShape, matches: z.array(match).optional(), ...extra })).optional() }));
}

export const httpRouteObject = routeObject(
  z.looseObject({ path: z.looseObject({ type: z.string().optional(), value: z.string().optional() }).optional(), method: z.string().optional(), headers: z.array(valueMatch).optional(), queryParams: z.array(valueMatch).optional() }),
  { timeouts: z.looseObject({ request: z.string().optional(), backendRequest: z.string().optional() }).optional() },
);

export const grpcRouteObject = routeObject(z.looseObject({ method: z.looseObject({ type: z.string().optional(), service: z.string().optional(), method: z.string().optional() }).optional(), headers: z.array(valueMatch).optional() }), {});

export const referenceGrantObject = object(
  z.looseObject({
    from: z.array(z.looseObject({ group: z.string(), kind: z.string(), namespace: name })).min(1),
    to: z.array(z.looseObject({ group: z.string(), kind: z.string(), name: name.optional() })).min(1),
  }),
);

export const GATEWAY_API_SCHEMAS: Readonly<Record<GatewayApiKind, z.ZodType>> = {
  Gateway: gatewayObject,
  HTTPRoute: httpRouteObject,
  GRPCRoute: grpcRouteObject,
  ReferenceGrant: referenceGrantObject,
};

export type ReferenceGrantObject = z.infer<typeof referenceGrantObject>;
