import type { MeshModel } from '../../lib/model';
import {
  bindOutboundListeners,
  DestinationMemo,
  outboundKey,
  packResource,
  translateInbound,
  translateOutbound,
  type EnvoyMessage,
  type ProxyIdentity,
  type TranslationIssue,
  type WorkloadInstance,
} from '../../lib/translate';
import { TypeUrl } from '../../lib/xds';
import { contentHash, type ProxySnapshot, type TypeResources, type VersionedResource } from './snapshot';

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
 * translation (DestinationMemo) and their packed resources, so a change costs what it touches.
 */
export class SnapshotBuilder {
  private model?: MeshModel;
  private workloads: readonly WorkloadInstance[] = [];
  private outbound = new Map<string, SharedOutbound>();
  private packed = new Map<string, VersionedResource>();
  private previousPacked = new Map<string, VersionedResource>();
  private generationIssues = new Map<string, TranslationIssue>();
  private extended = new Map<string, TypeResources>();
  private readonly destinations = new DestinationMemo();
  /** Resources already versioned, by message object: memoized destinations hand back the same objects. */
  private readonly byMessage = new WeakMap<EnvoyMessage, VersionedResource>();
  private readonly extendedBase = new WeakMap<TypeResources, TypeResources>();

  beginGeneration(model: MeshModel, workloads: readonly WorkloadInstance[]): void {
    this.model = model;
    this.workloads = workloads;
    this.outbound = new Map();
    this.previousPacked = this.packed;
    this.packed = new Map();
    this.generationIssues = new Map();
    this.extended = new Map();
    this.destinations.nextGeneration();
  }

  /** Every issue met while translating for the proxies of this generation. */
  issues(): TranslationIssue[] {
    return [...this.generationIssues.values()];
  }

  build(proxy: ProxyIdentity, secrets: readonly EnvoyMessage[] | undefined): ProxySnapshot {
    const outbound = this.sharedOutbound(proxy);
    const inbound = translateInbound(this.model!, this.workloads, proxy);
    const issues = [...outbound.issues, ...inbound.issues];
    for (const issue of inbound.issues) this.generationIssues.set(`${issue.code}|${issue.where}|${issue.field}`, issue);
    const listeners = proxy.outboundIp || proxy.outboundPorts?.size ? [...inbound.listeners, ...bindOutboundListeners(outbound.listeners, proxy)] : inbound.listeners;
    const types = new Map<string, TypeResources>([
      [TypeUrl.Listener, this.extend(outbound.types.get(TypeUrl.Listener)!, TypeUrl.Listener, listeners)],
      [TypeUrl.RouteConfiguration, outbound.types.get(TypeUrl.RouteConfiguration)!],
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
    for (const issue of t.issues) this.generationIssues.set(`${issue.code}|${issue.where}|${issue.field}`, issue);
    const shared: SharedOutbound = {
      listeners: t.listeners,
      issues: t.issues,
      types: new Map([
        // Bound on 0.0.0.0; a proxy with OUTBOUND_IP replaces them by name with its own.
        [TypeUrl.Listener, this.versioned(TypeUrl.Listener, t.listeners)],
        [TypeUrl.RouteConfiguration, this.versioned(TypeUrl.RouteConfiguration, t.routeConfigurations)],
        [TypeUrl.Cluster, this.versioned(TypeUrl.Cluster, t.clusters)],
        [TypeUrl.ClusterLoadAssignment, this.versioned(TypeUrl.ClusterLoadAssignment, t.clusterLoadAssignments)],
      ]),
    };
    this.outbound.set(key, shared);
    return shared;
  }

  /**
   * A shared map plus this proxy's own resources (which win on a name clash). Proxies whose own
   * resources are identical (instances of one workload) get the same map, so what is derived from
   * it (the selection and version of a push) is computed once for them.
   */
  private extend(shared: TypeResources, typeUrl: string, own: readonly EnvoyMessage[]): TypeResources {
    if (own.length === 0) return shared;
    const mine = this.versioned(typeUrl, own);
    const key = `${typeUrl}|${[...mine.values()].map((r) => r.hash).join(',')}`;
    const cached = this.extended.get(key);
    if (cached && this.extendedBase.get(cached) === shared) return cached;
    const out = new Map(shared);
    for (const [name, resource] of mine) out.set(name, resource);
    this.extended.set(key, out);
    this.extendedBase.set(out, shared);
    return out;
  }

  private versioned(typeUrl: string, messages: readonly EnvoyMessage[]): Map<string, VersionedResource> {
    const out = new Map<string, VersionedResource>();
    for (const message of messages) {
      let resource = this.byMessage.get(message);
      if (!resource) {
        const hash = contentHash(JSON.stringify(message));
        resource = this.packed.get(`${typeUrl}|${hash}`) ?? this.previousPacked.get(`${typeUrl}|${hash}`) ?? { name: nameOf(message), hash, packed: packResource(typeUrl, message), message };
        this.byMessage.set(message, resource);
      }
      this.packed.set(`${typeUrl}|${resource.hash}`, resource);
      out.set(resource.name, resource);
    }
    return out;
  }
}
