import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from './duration';

export { formatDuration, parseDuration } from './duration';

/** The API group and version every mesh resource kind is served under. */
export const API_GROUP = 'meshform.dev';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

export interface DurationBounds {
  /** Smallest allowed duration, as a duration string. */
  readonly min?: string;
  /** Largest allowed duration, as a duration string. */
  readonly max?: string;
}

/**
 * A duration field. Bounds are checked on the parsed value; the issue carries the limit so the
 * error can say what the field must be.
 */
export function duration(bounds: DurationBounds = {}) {
  return z
    .string()
    .regex(DURATION_PATTERN, { message: 'must be a duration like "250ms", "10s", "1m30s" or "24h"' })
    .superRefine((value, ctx) => {
      if (!DURATION_PATTERN.test(value)) return;
      const ms = parseDuration(value);
      if (bounds.min !== undefined && ms < parseDuration(bounds.min)) {
        ctx.addIssue({ code: 'custom', message: `is ${value}; it must be at least ${bounds.min}`, params: { code: 'OUT_OF_RANGE', limit: `>= ${bounds.min}`, fix: `use a duration of at least ${bounds.min}` } });
      }
      if (bounds.max !== undefined && ms > parseDuration(bounds.max)) {
        ctx.addIssue({ code: 'custom', message: `is ${value}; it must be at most ${bounds.max}`, params: { code: 'OUT_OF_RANGE', limit: `<= ${bounds.max}`, fix: `use a duration of at most ${bounds.max}` } });
      }
    })
    .meta({ format: 'duration', 'x-meshform-duration-min': bounds.min, 'x-meshform-duration-max': bounds.max });
}

/** A bounded integer. */
export function int(min: number, max: number) {
  return z.number().int().min(min).max(max);
}

/** A percentage of requests, 0 to 100, fractions allowed (Istio's `Percent`). */
export const percent = z.number().min(0).max(100);

/** A TCP/UDP port number. */
export const portNumber = int(1, 65535);

/** An HTTP status code. */
export const httpStatus = int(100, 599);

/** A DNS-1123 label: what Kubernetes accepts as a name of most objects. */
export const dnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending alphanumeric)' });

/** A DNS-1123 subdomain: host names and trust domains. */
export const dnsSubdomain = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { message: 'must be a DNS-1123 subdomain (like "example.com")' });

/** A host name that may start with a "*." wildcard label. */
export const hostName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { message: 'must be a host name like "api.example.com" or "*.example.com"' });

/** Kubernetes label selector by equality. */
export const labels = z.record(z.string().min(1).max(317), z.string().max(63));

/** An HTTP header name (lowercase as HTTP/2 requires; case does not matter on HTTP/1.1). */
export const headerName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^:?[a-z0-9!#$%&'*+\-.^_`|~]+$/, { message: 'must be a lowercase HTTP header name like "x-user"' });

/** HTTP methods routes and policies can name. */
export const httpMethod = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** How a string is compared. */
export const stringMatch = z.strictObject({
  /** Exact: equal; Prefix: starts with; RegularExpression: RE2-compatible full match. */
  type: z.enum(['Exact', 'Prefix', 'RegularExpression']).default('Exact'),
  value: z.string().min(1).max(1024),
});

/**
 * What a policy applies to, after Kuma's `targetRef`: the whole mesh, the policy's namespace, one
 * service (optionally one of its versions or ports), or one gateway (its requests at the edge).
 */
export const targetRef = z.strictObject({
  kind: z.enum(['Mesh', 'Namespace', 'MeshService', 'MeshGateway']),
  /** The MeshService's or MeshGateway's name (kinds MeshService and MeshGateway only). */
  name: dnsLabel.optional(),
  /** The namespace of the MeshService or MeshGateway. @default the policy's namespace */
  namespace: dnsLabel.optional(),
});

/** Names a service (in the mesh, or an ExternalService) and optionally one of its versions. */
export const serviceRef = z.strictObject({
  /** MeshService or ExternalService name. */
  name: dnsLabel,
  /** @default the referring resource's namespace */
  namespace: dnsLabel.optional(),
  /** A version (label subset) of the service. @default the whole service */
  version: dnsLabel.optional(),
  /** The port of the service. @default the service's only port, or the route's port */
  port: portNumber.optional(),
});

export const objectMeta = z.object({
  name: dnsLabel,
  namespace: dnsLabel.optional(),
  labels: labels.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export type TargetRef = z.infer<typeof targetRef>;
export type ServiceRef = z.infer<typeof serviceRef>;
export type StringMatch = z.infer<typeof stringMatch>;
export type HttpMethod = z.infer<typeof httpMethod>;
