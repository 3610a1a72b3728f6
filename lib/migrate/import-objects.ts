import { isKindName, KIND_NAMES } from '../api/kinds';
import { API_GROUP } from '../api/common';
import { GATEWAY_API_GROUP } from '../gateway-api/objects';
import type { ManifestObject } from '../manifests/read-manifests';
import { formatFinding } from '../validation/finding';
import { validateResource } from '../validation/validate-resource';
import { importFlaggerCanary } from './flagger-canary';
import { importHttpRoute } from './gateway-http-route';
import { compact, draft, type Converted, type Draft, type ImportContext, type KnownService, type ServiceHint } from './import-context';
import { importAuthorizationPolicy } from './istio-authorization-policy';
import { importDestinationRule } from './istio-destination-rule';
import { importEnvoyFilter } from './istio-envoy-filter';
import { importPeerAuthentication } from './istio-peer-authentication';
import { importRequestAuthentication } from './istio-request-authentication';
import { importServiceEntry } from './istio-service-entry';
import { importTelemetry } from './istio-telemetry';
import { importSidecar } from './istio-sidecar';
import { importVirtualService } from './istio-virtual-service';
import { importKubernetesService } from './kubernetes-service';
import { importServiceProfile } from './linkerd-service-profile';
import type { MigrationNote } from './report';
import { foldRootServices } from './root-services';
import { importTrafficSplit } from './smi-traffic-split';
import { SourceObject } from './source-fields';

type Converter = (source: SourceObject, ctx: ImportContext) => Converted;

/** The converter of each imported kind, keyed by `group/Kind` (the core group is ""). */
export const CONVERTERS: Readonly<Record<string, Converter>> = {
  'networking.istio.io/VirtualService': importVirtualService,
  'networking.istio.io/DestinationRule': importDestinationRule,
  'networking.istio.io/ServiceEntry': importServiceEntry,
  'networking.istio.io/EnvoyFilter': importEnvoyFilter,
  'networking.istio.io/Sidecar': importSidecar,
  'security.istio.io/PeerAuthentication': importPeerAuthentication,
  'security.istio.io/AuthorizationPolicy': importAuthorizationPolicy,
  'security.istio.io/RequestAuthentication': importRequestAuthentication,
  'telemetry.istio.io/Telemetry': importTelemetry,
  'split.smi-spec.io/TrafficSplit': importTrafficSplit,
  'linkerd.io/ServiceProfile': importServiceProfile,
  'flagger.app/Canary': importFlaggerCanary,
  [`${GATEWAY_API_GROUP}/HTTPRoute`]: importHttpRoute,
  '/Service': importKubernetesService,
};

/** Kubernetes objects an import copies through unchanged: the workloads the mesh runs. */
const WORKLOAD_GROUPS = new Set(['', 'apps', 'batch', 'policy', 'autoscaling', 'rbac.authorization.k8s.io', 'networking.k8s.io']);

/** What `meshform import` makes of a set of manifests. */
export interface ImportResult {
  /** Meshform resources, valid each, in a stable order (kind, namespace, name). */
  readonly resources: readonly Draft[];
  /** Workload objects (Deployments, ServiceAccounts, …), copied through. */
  readonly workloads: readonly Record<string, unknown>[];
  readonly notes: readonly MigrationNote[];
}

function groupKind(object: Record<string, unknown>): string {
  const apiVersion = String(object.apiVersion ?? '');
  return `${apiVersion.includes('/') ? apiVersion.split('/')[0] : ''}/${String(object.kind ?? '')}`;
}

/**
 * Converts Istio, SMI, Linkerd, Flagger and Gateway API objects (and the Kubernetes Services they
 * route) into Meshform resources. Pure: objects in, resources and notes out. Every field that is
 * not carried over is a `dropped` note; every object that fails Meshform's validation too.
 */
export function importObjects(objects: readonly ManifestObject[]): ImportResult {
  const known: KnownService[] = [];
  const externals: { hosts: string[]; name: string; namespace: string }[] = [];
  for (const { file, object } of objects) {
    const meta = (object.metadata ?? {}) as { name?: string; namespace?: string };
    const namespace = meta.namespace ?? 'default';
    const spec = (object.spec ?? {}) as { selector?: Record<string, string>; hosts?: string[] };
    if (groupKind(object) === '/Service') known.push({ name: String(meta.name), namespace, selector: spec.selector ?? {}, file });
    if (groupKind(object) === 'networking.istio.io/ServiceEntry') externals.push({ hosts: spec.hosts ?? [], name: String(meta.name), namespace });
  }
  const ctx: ImportContext = {
    services: known,
    externalByHost: (host) => {
      const e = externals.find((x) => x.hosts.includes(host));
      return e ? { name: e.name, namespace: e.namespace } : undefined;
    },
  };

  let drafts: Draft[] = [];
  const hints: ServiceHint[] = [];
  const jwtRequired: NonNullable<Converted['jwtRequired']> = [];
  const workloads: Record<string, unknown>[] = [];
  const notes: MigrationNote[] = [];
  for (const { file, object } of objects) {
    const gk = groupKind(object);
    const source = new SourceObject(file, object);
    const convert = CONVERTERS[gk];
    if (convert) {
      const out = convert(source, ctx);
      drafts.push(...out.resources);
      hints.push(...out.services);
      jwtRequired.push(...(out.jwtRequired ?? []));
      notes.push(...source.finish());
    } else if (gk.startsWith(`${API_GROUP}/`) && isKindName(object.kind)) {
      drafts.push(object as unknown as Draft);
    } else if (WORKLOAD_GROUPS.has(gk.split('/')[0]!)) {
      workloads.push(object);
      hints.push(...workloadHints(object, known));
    } else {
      notes.push({ severity: 'dropped', file, object: source.label, field: '(whole object)', why: `${gk.replace(/^\//, 'v1 ')} is not a kind Meshform imports` });
    }
  }
  drafts.push(...meshServicesOf(hints, drafts, notes));
  drafts = foldRootServices(known, drafts, notes);
  mergeExternalTls(hints, drafts);
  for (const j of jwtRequired) {
    const policies = drafts.filter((d) => d.kind === 'JwtPolicy' && (d.metadata.namespace ?? 'default') === j.namespace && JSON.stringify(d.spec.targetRef) === JSON.stringify(j.targetRef));
    for (const p of policies) p.spec.required = true;
    if (policies.length === 0) notes.push({ severity: 'dropped', file: '(import)', object: `namespace ${j.namespace}`, field: 'AuthorizationPolicy', why: `requires a JWT of ${JSON.stringify(j.targetRef)}, but no RequestAuthentication says which` });
  }
  const merged = mergeTrafficPolicies(drafts, notes);
  const valid = merged.filter((d) => {
    const result = validateResource(d);
    if (!result.ok) for (const f of result.findings) notes.push({ severity: 'dropped', file: '(import)', object: `${d.kind} ${d.metadata.namespace ?? ''}/${d.metadata.name}`, field: f.field, why: `left out, not valid: ${formatFinding(f)}` });
    return result.ok;
  });
  const order = (d: Draft) => `${String(KIND_NAMES.indexOf(d.kind as never)).padStart(2, '0')}/${d.metadata.namespace ?? ''}/${d.metadata.name}`;
  return { resources: valid.sort((a, b) => order(a).localeCompare(order(b))), workloads, notes };
}

/** A Deployment (or other pod owner) tells the service account of the Services that select its pods. */
function workloadHints(object: Record<string, unknown>, known: readonly KnownService[]): ServiceHint[] {
  const template = (object.spec as { template?: { metadata?: { labels?: Record<string, string> }; spec?: { serviceAccountName?: string } } } | undefined)?.template;
  const labels = template?.metadata?.labels ?? {};
  const account = template?.spec?.serviceAccountName;
  const namespace = (object.metadata as { namespace?: string } | undefined)?.namespace ?? 'default';
  if (!account) return [];
  return known
    .filter((s) => s.namespace === namespace && Object.keys(s.selector).length > 0 && Object.entries(s.selector).every(([k, v]) => labels[k] === v))
    .map((s) => ({ name: s.name, namespace, serviceAccount: account }));
}

/** One MeshService per service the input names, from its Kubernetes Service where there is one; the rest inferred, with a note. */
function meshServicesOf(hints: readonly ServiceHint[], drafts: readonly Draft[], notes: MigrationNote[]): Draft[] {
  const taken = new Set(drafts.filter((d) => d.kind === 'MeshService' || d.kind === 'ExternalService').map((d) => `${d.metadata.namespace ?? 'default'}/${d.metadata.name}`));
  const groups = new Map<string, ServiceHint[]>();
  for (const h of hints.filter((x) => !x.external)) {
    const key = `${h.namespace}/${h.name}`;
    if (!taken.has(key)) groups.set(key, [...(groups.get(key) ?? []), h]);
  }
  return [...groups.values()].map((group) => {
    const { name, namespace } = group[0]!;
    const where = { file: '(inferred)', object: `MeshService ${namespace}/${name}` };
    const declared = group.find((h) => h.selector !== undefined);
    if (!declared) notes.push({ severity: 'differs', ...where, field: 'spec.selector', why: `no Kubernetes Service ${name} in the input: selector app=${name} assumed` });
    const hinted = [...new Map(group.flatMap((h) => h.ports ?? []).map((p) => [p.port, p])).values()];
    const ports = declared?.ports?.length ? declared.ports : hinted.length ? hinted.map((p) => ({ port: p.port, protocol: 'http' })) : [{ port: 80, protocol: 'http' }];
    if (!declared?.ports?.length && !hinted.length) notes.push({ severity: 'differs', ...where, field: 'spec.ports', why: 'no port named anywhere: port 80 (http) assumed' });
    const versions = new Map<string, Record<string, string> | undefined>();
    for (const v of group.flatMap((h) => h.versions ?? [])) if (!versions.get(v.name)) versions.set(v.name, v.labels);
    const versionList = [...versions.entries()].map(([v, labels]) => {
      if (!labels) notes.push({ severity: 'differs', ...where, field: `spec.versions`, why: `version ${v} is named but no DestinationRule subset gives its labels: version=${v} assumed` });
      return { name: v, labels: labels ?? { version: v } };
    });
    const serviceAccount = group.find((h) => h.serviceAccount)?.serviceAccount;
    const calls = [...new Map(group.flatMap((h) => h.calls ?? []).map((c) => [`${c.namespace ?? ''}/${c.name}`, c])).values()];
    return draft(
      'MeshService',
      name,
      namespace,
      compact({
        selector: declared?.selector ?? { app: name },
        ports,
        serviceAccount,
        versions: versionList.length ? versionList : undefined,
        calls: calls.length ? calls : undefined,
        sidecar: declared?.inject === false ? { inject: false } : undefined,
        replicas: declared?.replicas,
      }),
      declared?.meta,
    );
  });
}

function mergeExternalTls(hints: readonly ServiceHint[], drafts: Draft[]): void {
  for (const h of hints.filter((x) => x.external)) {
    const svc = drafts.find((d) => d.kind === 'ExternalService' && d.metadata.name === h.name && (d.metadata.namespace ?? 'default') === h.namespace);
    if (svc) Object.assign(svc.spec, h.external);
  }
}

/** A DestinationRule and a ServiceProfile may both say something about one service: one TrafficPolicy holds both. */
function mergeTrafficPolicies(drafts: readonly Draft[], notes: MigrationNote[]): Draft[] {
  const first = new Map<string, Draft>();
  return drafts.filter((d) => {
    if (d.kind !== 'TrafficPolicy') return true;
    const key = `${d.metadata.namespace ?? 'default'}/${JSON.stringify(d.spec.service)}`;
    const kept = first.get(key);
    if (!kept) {
      first.set(key, d);
      return true;
    }
    for (const field of Object.keys(d.spec).filter((k) => k !== 'service' && k in kept.spec)) {
      notes.push({ severity: 'dropped', file: '(import)', object: `TrafficPolicy ${d.metadata.namespace ?? 'default'}/${d.metadata.name}`, field: `spec.${field}`, why: `TrafficPolicy ${kept.metadata.name} already sets it for the same destination, and wins` });
    }
    kept.spec = { ...d.spec, ...kept.spec };
    return false;
  });
}
