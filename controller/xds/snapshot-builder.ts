import type { MeshModel } from '../../lib/model';
import {
  mergeTranslations,
  outboundKey,
  packResource,
  translateInbound,
  translateOutbound,
  type EnvoyMessage,
  type ProxyIdentity,
  type Translation,
  type TranslationIssue,
  type WorkloadInstance,
} from '../../lib/translate';
import { TypeUrl } from '../../lib/xds';
import { contentHash, type ProxySnapshot, type TypeResources, type VersionedResource } from './snapshot';

const nameOf = (m: EnvoyMessage) => String(m['name'] ?? m['cluster_name']);

/**
 * Builds per-proxy snapshots for one generation of the mesh. Proxies alike (same outbound key)
 * share one outbound translation; every resource is packed once per content, and a pack cache
 * carries unchanged resources over from the previous generation.
 */
export class SnapshotBuilder {
  private model?: MeshModel;
  private workloads: readonly WorkloadInstance[] = [];
  private outbound = new Map<string, Translation>();
  private packed = new Map<string, VersionedResource>();
  private previousPacked = new Map<string, VersionedResource>();
  private generationIssues = new Map<string, TranslationIssue>();

  beginGeneration(model: MeshModel, workloads: readonly WorkloadInstance[]): void {
    this.model = model;
    this.workloads = workloads;
    this.outbound = new Map();
    this.previousPacked = this.packed;
    this.packed = new Map();
    this.generationIssues = new Map();
  }

  /** Every issue met while translating for the proxies of this generation. */
  issues(): TranslationIssue[] {
    return [...this.generationIssues.values()];
  }

  build(proxy: ProxyIdentity, secrets: readonly EnvoyMessage[] | undefined): ProxySnapshot {
    const model = this.model!;
    const key = outboundKey(proxy);
    let outbound = this.outbound.get(key);
    if (!outbound) {
      outbound = translateOutbound(model, this.workloads, proxy);
      this.outbound.set(key, outbound);
    }
    const translation = mergeTranslations(outbound, translateInbound(model, this.workloads, proxy));
    for (const issue of translation.issues) this.generationIssues.set(`${issue.code}|${issue.where}|${issue.field}`, issue);
    const types = new Map<string, TypeResources>([
      [TypeUrl.Listener, this.versioned(TypeUrl.Listener, translation.listeners)],
      [TypeUrl.RouteConfiguration, this.versioned(TypeUrl.RouteConfiguration, translation.routeConfigurations)],
      [TypeUrl.Cluster, this.versioned(TypeUrl.Cluster, translation.clusters)],
      [TypeUrl.ClusterLoadAssignment, this.versioned(TypeUrl.ClusterLoadAssignment, translation.clusterLoadAssignments)],
    ]);
    if (secrets) types.set(TypeUrl.Secret, this.versioned(TypeUrl.Secret, [...secrets]));
    return { types, issues: translation.issues };
  }

  private versioned(typeUrl: string, messages: EnvoyMessage[]): TypeResources {
    const out = new Map<string, VersionedResource>();
    for (const message of messages) {
      const hash = contentHash(JSON.stringify(message));
      const cacheKey = `${typeUrl}|${hash}`;
      let resource = this.packed.get(cacheKey) ?? this.previousPacked.get(cacheKey);
      if (!resource) resource = { name: nameOf(message), hash, packed: packResource(typeUrl, message), message };
      this.packed.set(cacheKey, resource);
      out.set(resource.name, resource);
    }
    return out;
  }
}
