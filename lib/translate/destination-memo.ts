import type { Resolved } from '../model';
import type { TranslationContext } from './context';
import type { OutboundService } from './destinations';
import type { EnvoyMessage } from './envoy-types';
import { IssueLog, type TranslationIssue } from './issues';
import { clustersOf } from './clusters';
import { loadAssignmentsOf } from './cluster-load-assignments';
import { virtualHostOf } from './route-configurations';
import { selectorOf } from './workloads';
import { gatewayInstancesDigest } from './egress';
import { digestOf, resourceDigest } from './content-digest';
import { GenerationCache } from './generation-cache';

/** What one destination port contributes to a proxy's configuration. */
export interface DestinationOutput {
  readonly clusters: readonly EnvoyMessage[];
  readonly loadAssignments: readonly EnvoyMessage[];
  readonly virtualHost?: EnvoyMessage;
  readonly issues: readonly TranslationIssue[];
}

/**
 * Remembers each destination's translation by a fingerprint of everything it reads, across
 * generations: a change re-translates only the destinations it touches, and the others keep the
 * very same message objects (so the controller need not hash them again). Entries unused in a
 * generation are dropped at the next one.
 */
export class DestinationMemo extends GenerationCache<string, DestinationOutput> {}

/**
 * Everything the translation of a destination reads: the asking proxy's kind, the mesh defaults,
 * the destination's resource, its TrafficRoutes and TrafficPolicies, every service those routes
 * name (with its policies), the mTLS mode of its port and the workloads its instances are chosen
 * from. Each input enters as its memoized digest, so a generation costs little beyond what changed.
 */
function fingerprint(ctx: TranslationContext, d: OutboundService): string {
  const mesh = d.mesh;
  const instances = mesh ? candidateLabels(mesh).map((label) => (label ? ctx.index.candidatesDigest(mesh.metadata.namespace, label[0], label[1]) : '')) : egressInputs(ctx, d);
  return `${modelInputs(ctx, d)}\n${instances.join('\n')}`;
}

/** The model's part of a fingerprint, by destination (whose objects live as long as their model) and proxy kind. */
const modelParts = new WeakMap<OutboundService, Map<string, string>>();

function modelInputs(ctx: TranslationContext, d: OutboundService): string {
  let byKind = modelParts.get(d);
  if (!byKind) modelParts.set(d, (byKind = new Map()));
  let part = byKind.get(ctx.proxy.kind);
  if (part === undefined) byKind.set(ctx.proxy.kind, (part = modelInputsOf(ctx, d)));
  return part;
}

function modelInputsOf(ctx: TranslationContext, d: OutboundService): string {
  const { model, index } = ctx;
  const routes = index.trafficRoutes(d.namespace, d.name);
  const named = routes.flatMap((r) =>
    r.spec.rules.flatMap((rule) => [...rule.backends, ...(rule.mirror ? [rule.mirror.backend] : [])].map((b) => ({ namespace: b.namespace ?? d.namespace, name: b.name ?? d.name }))),
  );
  const referenced = named.flatMap(({ namespace, name }) => {
    const service = model.service(namespace, name) ?? model.externalService(namespace, name);
    return [service ? resourceDigest(service) : `missing ${namespace}/${name}`, ...index.trafficPolicies(namespace, name).map(resourceDigest)];
  });
  const mesh = d.mesh;
  // The rest of an OutboundService (names, domains, protocol) follows from its resource, host and port.
  const inputs = [
    ctx.proxy.kind,
    digestOf(model.mesh),
    `${d.host}:${d.port}`,
    resourceDigest((mesh ?? d.external)!),
    ...routes.map(resourceDigest),
    '|',
    ...index.trafficPolicies(d.namespace, d.name).map(resourceDigest),
    '|',
    ...referenced,
    '|',
    mesh ? model.mtlsMode(mesh, d.port) : '',
  ];
  // Kept as it is (no hash): a few hundred bytes per destination, and hashing would cost more than the lookup.
  return inputs.join('\n');
}

/** An ExternalService leaving through an egress gateway reads the gateway and its instances. */
function egressInputs(ctx: TranslationContext, d: OutboundService): string[] {
  const ref = d.external?.spec.egressGateway;
  if (!ref) return [];
  const gateway = ctx.model.gateway(ref.namespace ?? d.namespace, ref.name);
  return gateway ? [resourceDigest(gateway), gatewayInstancesDigest(ctx, gateway)] : ['no gateway'];
}

const labelsBySpec = new WeakMap<object, readonly (readonly [string, string] | undefined)[]>();

/** For the whole service and each version, the first label of its selector: instances are chosen among the workloads carrying it. */
function candidateLabels(service: Resolved<'MeshService'>): readonly (readonly [string, string] | undefined)[] {
  let labels = labelsBySpec.get(service.spec);
  if (!labels) {
    labels = [undefined, ...service.spec.versions.map((v) => v.name)].map((v) => Object.entries(selectorOf(service, v))[0]);
    labelsBySpec.set(service.spec, labels);
  }
  return labels;
}

/** Translates one destination port, or takes it from the memo when nothing it reads has changed. */
export function translateDestination(ctx: TranslationContext, d: OutboundService, memo: DestinationMemo | undefined): DestinationOutput {
  const key = memo ? fingerprint(ctx, d) : '';
  let output = memo?.get(key);
  if (!output) {
    const own: TranslationContext = { ...ctx, issues: new IssueLog() };
    output = {
      clusters: clustersOf(own, d),
      loadAssignments: loadAssignmentsOf(own, d),
      ...(d.protocol === 'http' ? { virtualHost: virtualHostOf(own, d) } : {}),
      issues: own.issues.issues,
    };
    memo?.set(key, output);
  }
  for (const issue of output.issues) ctx.issues.add(issue);
  return output;
}
