import type { MeshModel, Resolved } from '../model';
import { digestOf } from './content-digest';
import type { WorkloadInstance } from './workloads';

const serviceKey = (namespace: string, name: string) => `${namespace}/${name}`;

function groupBy<T>(items: readonly T[], key: (item: T) => readonly string[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    for (const k of key(item)) {
      const list = out.get(k);
      if (list) list.push(item);
      else out.set(k, [item]);
    }
  }
  return out;
}

/**
 * Lookups the translation makes for every destination, indexed once per generation (mesh model and
 * workloads) so that translating for a mesh of N services stays linear in N.
 */
export class TranslationIndex {
  private readonly byLabel: LabelIndex;

  constructor(
    private readonly model: MeshModel,
    workloads: readonly WorkloadInstance[],
  ) {
    this.byLabel = labelIndex(workloads);
  }

  trafficRoutes(namespace: string, name: string): readonly Resolved<'TrafficRoute'>[] {
    return trafficRoutesOf(this.model, namespace, name);
  }

  trafficPolicies(namespace: string, name: string): readonly Resolved<'TrafficPolicy'>[] {
    return trafficPoliciesOf(this.model, namespace, name);
  }

  /** Workloads in a namespace carrying one given label: the candidates of a selector. */
  withLabel(namespace: string, key: string, value: string): readonly WorkloadInstance[] {
    return this.byLabel.groups.get(`${namespace}|${key}=${value}`) ?? [];
  }

  /**
   * A digest of the workloads `withLabel` returns: a selector whose first label this is picks its
   * instances among them, so its instances changed only if this did.
   */
  candidatesDigest(namespace: string, key: string, value: string): string {
    const group = `${namespace}|${key}=${value}`;
    let digest = this.byLabel.digests.get(group);
    if (digest === undefined) this.byLabel.digests.set(group, (digest = this.withLabel(namespace, key, value).map(digestOf).join(',')));
    return digest;
  }
}

interface PolicyIndex {
  readonly routes: Map<string, Resolved<'TrafficRoute'>[]>;
  readonly policies: Map<string, Resolved<'TrafficPolicy'>[]>;
}

const policyIndexes = new WeakMap<MeshModel, PolicyIndex>();

/** The TrafficRoutes about a service, through an index made once per model. */
export function trafficRoutesOf(model: MeshModel, namespace: string, name: string): readonly Resolved<'TrafficRoute'>[] {
  return policyIndex(model).routes.get(serviceKey(namespace, name)) ?? [];
}

/** The TrafficPolicies about a service, through an index made once per model. */
export function trafficPoliciesOf(model: MeshModel, namespace: string, name: string): readonly Resolved<'TrafficPolicy'>[] {
  return policyIndex(model).policies.get(serviceKey(namespace, name)) ?? [];
}

/** TrafficRoutes and TrafficPolicies by the service they apply to, once per model (an endpoint move keeps the model). */
function policyIndex(model: MeshModel): PolicyIndex {
  let index = policyIndexes.get(model);
  if (!index) {
    index = {
      routes: groupBy(model.all('TrafficRoute'), (r) => [serviceKey(r.spec.service.namespace ?? r.metadata.namespace, r.spec.service.name)]),
      policies: groupBy(model.all('TrafficPolicy'), (p) => [serviceKey(p.spec.service.namespace ?? p.metadata.namespace, p.spec.service.name)]),
    };
    policyIndexes.set(model, index);
  }
  return index;
}

/** Workloads by `namespace|label=value`, for every label they carry, and the digests of those groups (filled on demand). */
interface LabelIndex {
  readonly groups: Map<string, WorkloadInstance[]>;
  readonly digests: Map<string, string>;
}

const labelIndexes = new WeakMap<readonly WorkloadInstance[], LabelIndex>();
const keysOfWorkload = new WeakMap<WorkloadInstance, readonly string[]>();
/** The last workloads indexed: the next array is mostly the same objects (an endpoint move changes one). */
let lastIndexed: { readonly workloads: readonly WorkloadInstance[]; readonly index: LabelIndex } | undefined;
/** Beyond this many workloads replaced, patching costs about what indexing anew does. */
const MAX_PATCHED = 64;

function labelKeys(w: WorkloadInstance): readonly string[] {
  let keys = keysOfWorkload.get(w);
  if (!keys) keysOfWorkload.set(w, (keys = Object.entries(w.labels).map(([k, v]) => `${w.namespace}|${k}=${v}`)));
  return keys;
}

/**
 * Indexed once per workloads array: a change to the mesh resources alone keeps the workloads' index.
 * A new array that replaces a few workloads of the last one in place (the same workload, by
 * namespace and name, with the same labels: an endpoint moved) updates a copy of its index: only
 * those groups change, and only their digests are made again. Anything else (a workload added,
 * removed, moved to another position, relabelled) builds the index anew.
 */
function labelIndex(workloads: readonly WorkloadInstance[]): LabelIndex {
  let index = labelIndexes.get(workloads);
  if (!index) {
    index = (lastIndexed && updatedIndex(lastIndexed.workloads, lastIndexed.index, workloads)) ?? { groups: groupBy(workloads, labelKeys), digests: new Map() };
    labelIndexes.set(workloads, index);
    lastIndexed = { workloads, index };
  }
  return index;
}

function updatedIndex(before: readonly WorkloadInstance[], index: LabelIndex, workloads: readonly WorkloadInstance[]): LabelIndex | undefined {
  if (before.length !== workloads.length) return undefined;
  const replaced: number[] = [];
  for (let i = 0; i < workloads.length; i++) {
    if (before[i] === workloads[i]) continue;
    const [old, next] = [before[i]!, workloads[i]!];
    if (replaced.length >= MAX_PATCHED || old.name !== next.name || old.namespace !== next.namespace) return undefined;
    const [was, now] = [labelKeys(old), labelKeys(next)];
    if (was.length !== now.length || was.some((k, j) => k !== now[j])) return undefined;
    replaced.push(i);
  }
  const groups = new Map(index.groups);
  const digests = new Map(index.digests);
  for (const i of replaced) {
    for (const key of labelKeys(workloads[i]!)) {
      groups.set(key, groups.get(key)!.map((w) => (w === before[i] ? workloads[i]! : w)));
      digests.delete(key);
    }
  }
  return { groups, digests };
}

const cache = new WeakMap<MeshModel, WeakMap<readonly WorkloadInstance[], TranslationIndex>>();

/** The index of a model and its workloads, built once and shared by every translation of them. */
export function translationIndex(model: MeshModel, workloads: readonly WorkloadInstance[]): TranslationIndex {
  let byWorkloads = cache.get(model);
  if (!byWorkloads) cache.set(model, (byWorkloads = new WeakMap()));
  let index = byWorkloads.get(workloads);
  if (!index) byWorkloads.set(workloads, (index = new TranslationIndex(model, workloads)));
  return index;
}
