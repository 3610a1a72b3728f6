import { z } from 'zod';
import { API_GROUP_VERSION, objectMeta } from './common';
import { accessPolicySpec } from './access-policy';
import { canarySpec, canaryStatus } from './canary';
import { externalServiceSpec } from './external-service';
import { gatewayRouteSpec } from './gateway-route';
import { jwtPolicySpec } from './jwt-policy';
import { meshSpec } from './mesh';
import { meshGatewaySpec } from './mesh-gateway';
import { meshServiceSpec } from './mesh-service';
import { mtlsPolicySpec } from './mtls-policy';
import { rateLimitSpec } from './rate-limit';
import { telemetrySpec } from './telemetry';
import { trafficPolicySpec } from './traffic-policy';
import { trafficRouteSpec } from './traffic-route';

/** A column `kubectl get` prints for a kind. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
}

/** Everything the project knows about one mesh resource kind, defined once. */
export interface KindDefinition<S extends z.ZodType = z.ZodType> {
  readonly kind: string;
  readonly plural: string;
  readonly shortNames: readonly string[];
  readonly scope: 'Cluster' | 'Namespaced';
  readonly spec: S;
  /** Kind-specific status beside the common `conditions`. */
  readonly status?: z.ZodType;
  readonly printerColumns: readonly PrinterColumn[];
}

/** The `Accepted`/`Invalid` condition the controller writes on every mesh resource. */
export const condition = z.strictObject({
  type: z.string().min(1).max(316),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().min(1).max(1024),
  message: z.string().max(32_768),
  lastTransitionTime: z.string(),
  observedGeneration: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const ACCEPTED: PrinterColumn = { name: 'Accepted', type: 'string', jsonPath: '.status.conditions[?(@.type=="Accepted")].status' };

function define<S extends z.ZodType>(def: KindDefinition<S>): KindDefinition<S> {
  return def;
}

export const KINDS = {
  Mesh: define({
    kind: 'Mesh', plural: 'meshes', shortNames: ['mesh'], scope: 'Cluster', spec: meshSpec,
    printerColumns: [
      { name: 'Trust Domain', type: 'string', jsonPath: '.spec.trustDomain' },
      { name: 'mTLS', type: 'string', jsonPath: '.spec.mtls.mode' },
      ACCEPTED, AGE,
    ],
  }),
  MeshService: define({
    kind: 'MeshService', plural: 'meshservices', shortNames: ['msvc'], scope: 'Namespaced', spec: meshServiceSpec,
    printerColumns: [
      { name: 'Port', type: 'integer', jsonPath: '.spec.ports[0].port' },
      { name: 'Protocol', type: 'string', jsonPath: '.spec.ports[0].protocol' },
      { name: 'Identity', type: 'string', jsonPath: '.spec.serviceAccount' },
      ACCEPTED, AGE,
    ],
  }),
  ExternalService: define({
    kind: 'ExternalService', plural: 'externalservices', shortNames: ['xsvc'], scope: 'Namespaced', spec: externalServiceSpec,
    printerColumns: [
      { name: 'Host', type: 'string', jsonPath: '.spec.hosts[0]' },
      { name: 'TLS', type: 'string', jsonPath: '.spec.tls.mode' },
      ACCEPTED, AGE,
    ],
  }),
  TrafficRoute: define({
    kind: 'TrafficRoute', plural: 'trafficroutes', shortNames: ['tr'], scope: 'Namespaced', spec: trafficRouteSpec,
    printerColumns: [{ name: 'Service', type: 'string', jsonPath: '.spec.service.name' }, ACCEPTED, AGE],
  }),
  TrafficPolicy: define({
    kind: 'TrafficPolicy', plural: 'trafficpolicies', shortNames: ['tp'], scope: 'Namespaced', spec: trafficPolicySpec,
    printerColumns: [
      { name: 'Service', type: 'string', jsonPath: '.spec.service.name' },
      { name: 'LB', type: 'string', jsonPath: '.spec.loadBalancer.type' },
      ACCEPTED, AGE,
    ],
  }),
  MtlsPolicy: define({
    kind: 'MtlsPolicy', plural: 'mtlspolicies', shortNames: ['mtls'], scope: 'Namespaced', spec: mtlsPolicySpec,
    printerColumns: [
      { name: 'Target', type: 'string', jsonPath: '.spec.targetRef.kind' },
      { name: 'Mode', type: 'string', jsonPath: '.spec.mode' },
      ACCEPTED, AGE,
    ],
  }),
  AccessPolicy: define({
    kind: 'AccessPolicy', plural: 'accesspolicies', shortNames: ['ap'], scope: 'Namespaced', spec: accessPolicySpec,
    printerColumns: [
      { name: 'Target', type: 'string', jsonPath: '.spec.targetRef.name' },
      { name: 'Action', type: 'string', jsonPath: '.spec.action' },
      ACCEPTED, AGE,
    ],
  }),
  JwtPolicy: define({
    kind: 'JwtPolicy', plural: 'jwtpolicies', shortNames: ['jwt'], scope: 'Namespaced', spec: jwtPolicySpec,
    printerColumns: [
      { name: 'Target', type: 'string', jsonPath: '.spec.targetRef.name' },
      { name: 'Issuer', type: 'string', jsonPath: '.spec.rules[0].issuer' },
      ACCEPTED, AGE,
    ],
  }),
  RateLimit: define({
    kind: 'RateLimit', plural: 'ratelimits', shortNames: ['rl'], scope: 'Namespaced', spec: rateLimitSpec,
    printerColumns: [
      { name: 'Target', type: 'string', jsonPath: '.spec.targetRef.name' },
      { name: 'Tokens', type: 'integer', jsonPath: '.spec.local.tokens' },
      { name: 'Interval', type: 'string', jsonPath: '.spec.local.fillInterval' },
      ACCEPTED, AGE,
    ],
  }),
  Telemetry: define({
    kind: 'Telemetry', plural: 'telemetries', shortNames: ['telem'], scope: 'Namespaced', spec: telemetrySpec,
    printerColumns: [
      { name: 'Target', type: 'string', jsonPath: '.spec.targetRef.kind' },
      { name: 'Sampling', type: 'number', jsonPath: '.spec.tracing.samplingPercent' },
      ACCEPTED, AGE,
    ],
  }),
  MeshGateway: define({
    kind: 'MeshGateway', plural: 'meshgateways', shortNames: ['mgw'], scope: 'Namespaced', spec: meshGatewaySpec,
    printerColumns: [
      { name: 'Role', type: 'string', jsonPath: '.spec.role' },
      { name: 'Port', type: 'integer', jsonPath: '.spec.listeners[0].port' },
      { name: 'Protocol', type: 'string', jsonPath: '.spec.listeners[0].protocol' },
      ACCEPTED, AGE,
    ],
  }),
  GatewayRoute: define({
    kind: 'GatewayRoute', plural: 'gatewayroutes', shortNames: ['gwr'], scope: 'Namespaced', spec: gatewayRouteSpec,
    printerColumns: [
      { name: 'Gateway', type: 'string', jsonPath: '.spec.parentRefs[0].name' },
      { name: 'Host', type: 'string', jsonPath: '.spec.hostnames[0]' },
      ACCEPTED, AGE,
    ],
  }),
  Canary: define({
    kind: 'Canary', plural: 'canaries', shortNames: ['can'], scope: 'Namespaced', spec: canarySpec, status: canaryStatus,
    printerColumns: [
      { name: 'Service', type: 'string', jsonPath: '.spec.service.name' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Weight', type: 'integer', jsonPath: '.status.canaryWeight' },
      ACCEPTED, AGE,
    ],
  }),
} as const;

export type KindName = keyof typeof KINDS;
export const KIND_NAMES = Object.keys(KINDS) as KindName[];

export function isKindName(kind: unknown): kind is KindName {
  return typeof kind === 'string' && Object.hasOwn(KINDS, kind);
}

/** The spec type of a kind after defaults are applied. */
export type SpecOf<K extends KindName> = z.infer<(typeof KINDS)[K]['spec']>;
/** The spec a user writes for a kind (defaults optional). */
export type SpecInputOf<K extends KindName> = z.input<(typeof KINDS)[K]['spec']>;

/** A whole mesh resource object of one kind, as stored in Kubernetes. */
export function resourceSchema<K extends KindName>(kind: K) {
  let schema = resourceSchemas.get(kind) as ReturnType<typeof buildResourceSchema<K>> | undefined;
  if (!schema) {
    schema = buildResourceSchema(kind);
    resourceSchemas.set(kind, schema);
  }
  return schema;
}

// Built once per kind: zod compiles a schema on its first parse, and validation runs for every
// resource at synth and in the controller.
const resourceSchemas = new Map<KindName, z.ZodType>();

function buildResourceSchema<K extends KindName>(kind: K) {
  return z.object({
    apiVersion: z.literal(API_GROUP_VERSION),
    kind: z.literal(kind),
    metadata: objectMeta.loose(),
    spec: KINDS[kind].spec as (typeof KINDS)[K]['spec'],
    status: z.unknown().optional(),
  });
}

/** A mesh resource after validation: defaults applied, namespace filled in. */
export interface MeshResource<K extends KindName = KindName> {
  readonly apiVersion: typeof API_GROUP_VERSION;
  readonly kind: K;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly spec: SpecOf<K>;
}
