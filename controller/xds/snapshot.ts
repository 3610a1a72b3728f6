import { createHash } from 'node:crypto';
import type { EnvoyMessage, TranslationIssue } from '../../lib/translate';
import type { PackedAny } from '../../lib/xds';
import { TypeUrl } from '../../lib/xds';

/** One resource ready to send: packed once, with a content hash to tell changes apart. */
export interface VersionedResource {
  readonly name: string;
  readonly hash: string;
  readonly packed: PackedAny;
  readonly message: EnvoyMessage;
}

export type TypeResources = ReadonlyMap<string, VersionedResource>;

/** Everything one proxy may be sent, by type URL. A type missing here is not answered yet (SDS before the token check). */
export interface ProxySnapshot {
  readonly types: ReadonlyMap<string, TypeResources>;
  readonly issues: readonly TranslationIssue[];
}

/** The xDS types in the order a change is pushed: secrets and clusters before what refers to them (Envoy's make-before-break). */
export const PUSH_ORDER = [TypeUrl.Secret, TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration] as const;

export const SHORT_NAMES: Record<string, string> = {
  [TypeUrl.Secret]: 'SDS',
  [TypeUrl.Cluster]: 'CDS',
  [TypeUrl.ClusterLoadAssignment]: 'EDS',
  [TypeUrl.Listener]: 'LDS',
  [TypeUrl.RouteConfiguration]: 'RDS',
  [TypeUrl.VirtualHost]: 'VHDS',
};

export function contentHash(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** The version of a set of resources: a digest of their names and contents, stable across restarts. */
export function versionOf(resources: readonly VersionedResource[]): string {
  return contentHash(resources.map((r) => `${r.name}=${r.hash}`).join('\n')).slice(0, 16);
}

/** The resources of a type one subscription selects, shared by every proxy with the same snapshot map and subscription. */
export interface Selection {
  readonly resources: readonly VersionedResource[];
  readonly version: string;
  readonly byName: TypeResources;
  /** The packed resources: the very array each response of the whole set carries, so it is encoded once. */
  readonly packed: readonly PackedAny[];
  /** Packed subsets (partial responses) by the names they hold, shared likewise. */
  readonly subsets: Map<string, readonly PackedAny[]>;
}

const selections = new WeakMap<TypeResources, Map<string, Selection>>();

/** The key of a subscription: `*` for everything, else its sorted names (computed once per change of subscription). */
export function subscriptionKey(names: ReadonlySet<string> | undefined): string {
  return names ? [...names].sort().join('\n') : '*';
}

/**
 * The resources of a type a subscription selects, and their version. Proxies sharing a snapshot
 * map and a subscription share the result, so a push to many alike proxies hashes once.
 */
export function selectResources(all: TypeResources, names: ReadonlySet<string> | undefined, key: string): Selection {
  let byKey = selections.get(all);
  if (!byKey) selections.set(all, (byKey = new Map()));
  let selected = byKey.get(key);
  if (!selected) {
    const resources = names ? [...names].flatMap((n) => { const r = all.get(n); return r ? [r] : []; }) : [...all.values()];
    selected = {
      resources,
      version: versionOf(resources),
      byName: names ? new Map(resources.map((r) => [r.name, r])) : all,
      packed: resources.map((r) => r.packed),
      subsets: new Map(),
    };
    byKey.set(key, selected);
  }
  return selected;
}

/** The packed form of some of a selection's resources (what changed), the same array for every proxy sending the same ones. */
export function packedSubset(selection: Selection, subset: readonly VersionedResource[]): readonly PackedAny[] {
  if (subset.length === selection.resources.length) return selection.packed;
  const key = subset.map((r) => r.name).join('\n');
  let packed = selection.subsets.get(key);
  if (!packed) selection.subsets.set(key, (packed = subset.map((r) => r.packed)));
  return packed;
}
