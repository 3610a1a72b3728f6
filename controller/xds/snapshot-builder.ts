import type { MeshModel } from '../../lib/model';
import {
  bindOutboundListeners,
  DestinationMemo,
  GenerationCache,
  outboundKey,
  packResource,
  resourceContentDigest,
  translateInbound,
  translateOutbound,
  type EnvoyMessage,
  type ProxyIdentity,
  type TranslationIssue,
  type WorkloadInstance,
} from '../../lib/translate';
import { TypeUrl } from '../../lib/xds';
import { type ProxySnapshot, type TypeResources, type VersionedResource } from './snapshot';

const nameOf = (m: EnvoyMessage) => String(m['name'] ?? m['cluster_name']);

/** An outbound translation, packed and hashed once for every proxy that shares it. */
interface SharedOutbound {
  readonly listeners: readonly EnvoyMessage[];
  readonly types: ReadonlyMap<string, TypeResources>;
  readonly issues: readonly TranslationIssue[];
}

/**
 * Builds per-proxy snapshots for one generation of the mesh. Proxies alike (same outbound key)
 * share one outbound translation, packed and hashed once; each proxy adds only its inbound side and
 * its listener addresses. Across generations, destinations whose inputs did not change keep their
 * translation (DestinationMemo) and their packed resources, and a type whose resources did not
 * change keeps its very map, so what is derived from it (selections, versions, encoded responses)
 * is not computed again: a change costs what it touches.
 */
export class SnapshotBuilder {
  private model?: MeshModel;
  private workloads: readonly WorkloadInstance[] = [];
  private outbound = new Map<string, SharedOutbound>();
  private generationIssues = new Map<string, TranslationIssue>();
  private readonly destinations = new DestinationMemo();
  private readonly issuesMemo = new DestinationMemo();
  private issuesLearnt = false;
  /** Packed resources by type and content hash. */
  private readonly packed = new GenerationCache<string, VersionedResource>();
  /** The maps of resources handed out, by what they hold (an outbound key's type, or a shared map and a proxy's own resources), to keep them stable across generations. */
  private readonly maps = new GenerationCache<string, TypeResources>();
  /** Resources already versioned, by message object. */
  private readonly byMessage = new WeakMap<EnvoyMessage, VersionedResource>();
  /** Names the shared maps in the keys of their extensions. */
  private readonly mapIds = new WeakMap<TypeResources, number>();
  private lastMapId = 0;

  beginGeneration(model: MeshModel, workloads: readonly WorkloadInstance[]): void {
    this.model = model;
    this.workloads = workloads;
    this.outbound = new Map();
    this.generationIssues = new Map();
    this.issuesLearnt = false;
    this.packed.nextGeneration();
    this.maps.nextGeneration();
    this.destinations.nextGeneration();
  }

  /** Every issue met while translating for the proxies of this generation. */
  issues(): TranslationIssue[] {
    return [...this.generationIssues.values()];
  }

  /**
   * Translates for a proxy only to learn its issues (nothing is packed), once per generation. Its
   * memo moves on only when asked, so between two asks (metric scrapes) whatever many generations
   * pass, only the destinations that changed are translated again.
   */
  learnIssues(proxy: ProxyIdentity): void {
    if (this.issuesLearnt) return;
    this.issuesLearnt = true;
    this.issuesMemo.nextGeneration();
    this.record(translateOutbound(this.model!, this.workloads, proxy, this.issuesMemo).issues);
  }

  private record(issues: readonly TranslationIssue[]): void {
    for (const issue of issues) this.generationIssues.set(`${issue.code}|${issue.where}|${issue.field}`, issue);
  }

  build(proxy: ProxyIdentity, secrets: readonly EnvoyMessage[] | undefined): ProxySnapshot {
    const outbound = this.sharedOutbound(proxy);
    const inbound = translateInbound(this.model!, this.workloads, proxy);
    const issues = [...outbound.issues, ...inbound.issues];
    this.record(inbound.issues);
    const listeners = proxy.outboundIp || proxy.outboundPorts?.size ? [...inbound.listeners, ...bindOutboundListeners(outbound.listeners, proxy)] : inbound.listeners;
    const types = new Map<string, TypeResources>([
      [TypeUrl.Listener, this.extend(outbound.types.get(TypeUrl.Listener)!, TypeUrl.Listener, listeners)],
      [TypeUrl.RouteConfiguration, outbound.types.get(TypeUrl.RouteConfiguration)!],
      [TypeUrl.VirtualHost, outbound.types.get(TypeUrl.VirtualHost)!],
      [TypeUrl.Cluster, this.extend(outbound.types.get(TypeUrl.Cluster)!, TypeUrl.Cluster, inbound.clusters)],
      [TypeUrl.ClusterLoadAssignment, outbound.types.get(TypeUrl.ClusterLoadAssignment)!],
    ]);
    if (secrets) types.set(TypeUrl.Secret, this.versioned(TypeUrl.Secret, secrets));
    return { types, issues };
  }

  private sharedOutbound(proxy: ProxyIdentity): SharedOutbound {
    const key = outboundKey(this.model!, proxy);
    const cached = this.outbound.get(key);
    if (cached) return cached;
    const t = translateOutbound(this.model!, this.workloads, proxy, this.destinations);
    this.record(t.issues);
    const stable = (typeUrl: string, messages: readonly EnvoyMessage[]) => this.stable(`${key}|${typeUrl}`, typeUrl, messages);
    const shared: SharedOutbound = {
      listeners: t.listeners,
      issues: t.issues,
      types: new Map([
        // Bound on 0.0.0.0; a proxy with OUTBOUND_IP replaces them by name with its own.
        [TypeUrl.Listener, stable(TypeUrl.Listener, t.listeners)],
        [TypeUrl.RouteConfiguration, stable(TypeUrl.RouteConfiguration, t.routeConfigurations)],
        [TypeUrl.VirtualHost, stable(TypeUrl.VirtualHost, t.virtualHosts)],
        [TypeUrl.Cluster, stable(TypeUrl.Cluster, t.clusters)],
        [TypeUrl.ClusterLoadAssignment, stable(TypeUrl.ClusterLoadAssignment, t.clusterLoadAssignments)],
      ]),
    };
    this.outbound.set(key, shared);
    return shared;
  }

  /** The map handed out under this key last generation when it holds the same resources in the same order, else a new one. */
  private stable(key: string, typeUrl: string, messages: readonly EnvoyMessage[]): TypeResources {
    const resources = messages.map((m) => this.resourceOf(typeUrl, m));
    const before = this.maps.get(key);
    let same = before !== undefined && before.size === resources.length;
    if (same) {
      let i = 0;
      for (const resource of before!.values()) if (resource !== resources[i++]) same = false;
    }
    return this.maps.set(key, same ? before! : new Map(resources.map((r) => [r.name, r])));
  }

  /**
   * A shared map plus this proxy's own resources (which win on a name clash). Proxies whose own
   * resources are identical (instances of one workload) get the same map, in this generation and
   * the next as long as neither part changes, so what is derived from it (the selection and
   * version of a push) is computed once for them.
   */
  private extend(shared: TypeResources, typeUrl: string, own: readonly EnvoyMessage[]): TypeResources {
    if (own.length === 0) return shared;
    const mine = this.versioned(typeUrl, own);
    const key = `extend|${this.idOf(shared)}|${typeUrl}|${[...mine.values()].map((r) => r.hash).join(',')}`;
    const cached = this.maps.get(key);
    if (cached) return cached;
    const merged = new Map(shared);
    for (const [name, resource] of mine) merged.set(name, resource);
    return this.maps.set(key, merged);
  }

  private idOf(map: TypeResources): number {
    let id = this.mapIds.get(map);
    if (id === undefined) this.mapIds.set(map, (id = ++this.lastMapId));
    return id;
  }

  private versioned(typeUrl: string, messages: readonly EnvoyMessage[]): Map<string, VersionedResource> {
    return new Map(messages.map((m) => { const r = this.resourceOf(typeUrl, m); return [r.name, r]; }));
  }

  /**
   * A message versioned and packed: by the message object when seen before (memoized
   * destinations hand back the same objects), else by its content, packed once per distinct content
   * and kept a generation beyond its last use for messages made anew with the same content.
   */
  private resourceOf(typeUrl: string, message: EnvoyMessage): VersionedResource {
    let resource = this.byMessage.get(message);
    if (!resource) {
      const hash = resourceContentDigest(typeUrl, message);
      const key = `${typeUrl}|${hash}`;
      resource = this.packed.get(key) ?? this.packed.set(key, { name: nameOf(message), hash, packed: packResource(typeUrl, message), message });
      this.byMessage.set(message, resource);
    }
    return resource;
  }
}
