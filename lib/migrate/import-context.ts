import { API_GROUP_VERSION } from '../api/common';
import { DURATION_PATTERN, formatDuration, parseDuration } from '../api/duration';
import { CLUSTER_DOMAIN, DEFAULT_NAMESPACE } from '../naming/names';
import type { Fields, SourceObject } from './source-fields';

/** A mesh resource as an import writes it: the fields the source set, no defaults filled in. */
export interface Draft {
  readonly apiVersion: typeof API_GROUP_VERSION;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

/** What an object says about a service it names, merged into the imported MeshServices. */
export interface ServiceHint {
  readonly name: string;
  readonly namespace: string;
  readonly ports?: readonly { port: number; name?: string; targetPort?: number; protocol?: string }[];
  readonly selector?: Record<string, string>;
  readonly versions?: readonly { name: string; labels?: Record<string, string> }[];
  readonly serviceAccount?: string;
  readonly calls?: readonly { name: string; namespace?: string }[];
  readonly inject?: boolean;
  readonly replicas?: number;
  /** Labels and annotations of the Kubernetes Service, kept on the MeshService. */
  readonly meta?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  /** Fields of ExternalService `name` this object sets (TLS origination from a DestinationRule). */
  readonly external?: Record<string, unknown>;
}

/** What converting one object gives. */
export interface Converted {
  readonly resources: Draft[];
  readonly services: ServiceHint[];
  /** Targets Istio's "deny requests without a JWT" idiom applies to: their JwtPolicy gets required: true. */
  readonly jwtRequired?: { namespace: string; targetRef: Record<string, unknown> }[];
}

/** A Kubernetes Service the import read: what selector → service lookups use. */
export interface KnownService {
  readonly name: string;
  readonly namespace: string;
  readonly selector: Record<string, string>;
  /** The file it came from, for the report. */
  readonly file: string;
}

/** What converters may ask about the rest of the input. */
export interface ImportContext {
  readonly services: readonly KnownService[];
  /** The ExternalService (ServiceEntry) that declares a host, if any. */
  externalByHost(host: string): { name: string; namespace: string } | undefined;
}

export function draft(kind: string, name: string, namespace: string | undefined, spec: Record<string, unknown>, meta?: { labels?: Record<string, string>; annotations?: Record<string, string> }): Draft {
  return {
    apiVersion: API_GROUP_VERSION,
    kind,
    metadata: { name, ...(namespace !== undefined ? { namespace } : {}), ...(meta?.labels ? { labels: meta.labels } : {}), ...(meta?.annotations ? { annotations: meta.annotations } : {}) },
    spec,
  };
}

/** A DNS-1123 label from a Kubernetes name (which may hold dots), noting when it had to change. */
export function labelName(name: string, f: Fields, field: string): string {
  const out = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '') || 'imported';
  if (out !== name) f.source.note('differs', field, `"${name}" is not a DNS-1123 label; imported as "${out}"`);
  return out;
}

/** Reads `metadata`: name (as a label unless it is a host name), namespace, labels and annotations; server-set fields are ignored. */
export function readMetadata(root: Fields, options: { nameIsHost?: boolean } = {}): { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> } {
  const meta = root.object('metadata');
  root.ignore('apiVersion', 'kind', 'status');
  if (!meta) return { name: 'imported', namespace: DEFAULT_NAMESPACE };
  meta.ignore('uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'ownerReferences', 'finalizers', 'generateName');
  const rawName = meta.string('name') ?? 'imported';
  const labels = meta.record('labels');
  const annotations = meta.record('annotations');
  if (annotations) delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  return {
    // A ServiceProfile is named by its service's host; the resources it gives are named by the service.
    name: options.nameIsHost ? rawName : labelName(rawName, meta, meta.at('name')),
    namespace: meta.string('namespace') ?? DEFAULT_NAMESPACE,
    ...(labels && Object.keys(labels).length ? { labels } : {}),
    ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
  };
}

/**
 * The service a host names, resolved the way Istio does: a short name in the object's namespace,
 * `name.namespace`, or the cluster FQDN; a host an ExternalService declares names that one.
 */
export function serviceOfHost(host: string, namespace: string, ctx: ImportContext): { name: string; namespace: string; external: boolean } | undefined {
  const external = ctx.externalByHost(host);
  if (external) return { ...external, external: true };
  if (host.includes('*')) return undefined;
  const bare = host.endsWith(`.${CLUSTER_DOMAIN}`) ? host.slice(0, -CLUSTER_DOMAIN.length - 1) : host.endsWith('.svc') ? host.slice(0, -4) : host;
  const parts = bare.split('.');
  if (parts.length === 1) return { name: parts[0]!, namespace, external: false };
  if (parts.length === 2 && bare !== host) return { name: parts[0]!, namespace: parts[1]!, external: false };
  if (parts.length === 2 && !/\.(com|org|net|io|dev|example)$/.test(bare)) return { name: parts[0]!, namespace: parts[1]!, external: false };
  return undefined;
}

/** The MeshService a workload selector picks: a Service whose selector it includes, else its `app` label. */
export function serviceOfSelector(labels: Record<string, string>, namespace: string, ctx: ImportContext): string | undefined {
  const known = ctx.services.find((s) => s.namespace === namespace && Object.keys(s.selector).length > 0 && Object.entries(s.selector).every(([k, v]) => labels[k] === v));
  return known?.name ?? labels.app ?? labels['app.kubernetes.io/name'];
}

/** Istio's policy target: none → the namespace (the mesh in the root namespace), a selector → its MeshService. */
/** What a converter returns when it converts nothing (what it read is in the report). */
export const NOTHING: Converted = { resources: [], services: [] };

/** An Istio policy's metadata, spec and Meshform target; undefined when it has no spec. */
export function readPolicy(source: SourceObject, ctx: ImportContext): { meta: ReturnType<typeof readMetadata>; spec: Fields; target: Record<string, unknown> | undefined } | undefined {
  const root = source.root();
  const meta = readMetadata(root);
  const spec = root.object('spec');
  return spec ? { meta, spec, target: policyTarget(spec, meta.namespace, ctx) } : undefined;
}

export function policyTarget(spec: Fields, namespace: string, ctx: ImportContext, rootNamespace = 'istio-system'): Record<string, unknown> | undefined {
  const selector = spec.object('selector');
  if (!selector) {
    spec.drop('targetRef', 'Meshform policies target a MeshService, a namespace or the mesh; use a workload selector');
    spec.drop('targetRefs', 'Meshform policies target a MeshService, a namespace or the mesh; use a workload selector');
    return { kind: namespace === rootNamespace ? 'Mesh' : 'Namespace' };
  }
  const labels = selector.record('matchLabels') ?? {};
  selector.drop('matchExpressions', 'Meshform policies select one MeshService, not a label expression');
  const name = serviceOfSelector(labels, namespace, ctx);
  if (!name) {
    selector.dropAll('no Service selects these labels and they have no app label, so no MeshService could be named');
    return undefined;
  }
  return { kind: 'MeshService', name };
}

/** A protobuf duration ("1.5s", "100ms") in Meshform's shortest form; anything else as written (validation names it). */
export function durationText(text: string): string {
  return DURATION_PATTERN.test(text.trim()) ? formatDuration(parseDuration(text.trim())) : text;
}

/** Istio's `Percent` ({value}) or the deprecated integer form. */
export function percentOf(f: Fields, key: string, legacyKey?: string): number | undefined {
  const p = f.object(key);
  if (p) return p.number('value') ?? 0;
  return legacyKey ? f.number(legacyKey) : undefined;
}

/** Drops undefined members so drafts stay minimal and comparable. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
