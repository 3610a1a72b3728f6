import type { MeshModel } from '../model';
import type { TranslationContext } from './context';
import { calledServices } from './destinations';
import type { EnvoyMessage, ProxyResources } from './envoy-types';
import { translateDestination, type DestinationMemo } from './destination-memo';
import { inboundOf } from './inbound-listener';
import { translateGatewayProxy } from './gateway';
import { IssueLog, type TranslationIssue } from './issues';
import { apiListenerOf, bindOutboundListeners, blackHole, outboundListenersOf } from './outbound-listeners';
import type { ProxyIdentity } from './proxy-identity';
import { SDS_DEFAULT, SDS_ROOT_CA } from './resource-names';
import { passthroughCluster, routeConfigurationsOf } from './route-configurations';
import { translationIndex } from './translation-index';
import type { WorkloadInstance } from './workloads';

/** A translation's resources and what it could not express. */
export interface Translation extends ProxyResources {
  readonly issues: readonly TranslationIssue[];
}

function context(model: MeshModel, workloads: readonly WorkloadInstance[], proxy: ProxyIdentity): TranslationContext {
  return { model, workloads, proxy, issues: new IssueLog(), index: translationIndex(model, workloads) };
}

const byName = (key: 'name' | 'cluster_name') => (a: EnvoyMessage, b: EnvoyMessage) => String(a[key]).localeCompare(String(b[key]));

function unique(messages: EnvoyMessage[], key: 'name' | 'cluster_name'): EnvoyMessage[] {
  const seen = new Map<string, EnvoyMessage>();
  for (const m of messages) if (!seen.has(String(m[key]))) seen.set(String(m[key]), m);
  return [...seen.values()].sort(byName(key));
}

/**
 * The outbound half: what the proxy needs to call other services, its listeners on 0.0.0.0 (see
 * `bindOutboundListeners`). Proxies with the same `outboundKey` get the same result, so the
 * controller translates once for all of them.
 */
export function translateOutbound(model: MeshModel, workloads: readonly WorkloadInstance[], proxy: ProxyIdentity, memo?: DestinationMemo): Translation {
  const ctx = context(model, workloads, proxy);
  if (proxy.kind === 'gateway') {
    const gateway = translateGatewayProxy(ctx, memo);
    return { ...gateway, listeners: unique(gateway.listeners, 'name'), clusters: unique(gateway.clusters, 'name'), clusterLoadAssignments: unique(gateway.clusterLoadAssignments, 'cluster_name'), issues: ctx.issues.issues };
  }
  const destinations = calledServices(ctx);
  const outputs = new Map(destinations.map((d) => [d, translateDestination(ctx, d, memo)]));
  let listeners: EnvoyMessage[];
  let http = destinations.filter((d) => d.protocol === 'http');
  if (proxy.kind === 'sidecar') {
    ({ listeners, http } = outboundListenersOf(ctx, destinations));
  } else {
    listeners = http.map(apiListenerOf);
  }
  const clusters = destinations.flatMap((d) => outputs.get(d)!.clusters);
  if (proxy.kind === 'sidecar' && model.mesh.outboundPolicy === 'ALLOW_ANY') clusters.push(passthroughCluster());
  if (proxy.kind === 'sidecar' && model.mesh.outboundPolicy === 'REGISTRY_ONLY') {
    const { listener, cluster } = blackHole();
    listeners.push(listener);
    clusters.push(cluster);
  }
  return {
    listeners: unique(listeners, 'name'),
    ...routeConfigurationsOf(ctx, http, (d) => outputs.get(d)!.virtualHost!),
    clusters: unique(clusters, 'name'),
    clusterLoadAssignments: unique(destinations.flatMap((d) => outputs.get(d)!.loadAssignments), 'cluster_name'),
    secretNames: [],
    issues: ctx.issues.issues,
  };
}

/**
 * The key under which proxies share an outbound translation: every sidecar whose workload calls
 * everything shares one; a workload listing `calls` has its own; the instances of a gateway share theirs.
 */
export function outboundKey(model: MeshModel, proxy: ProxyIdentity): string {
  if (proxy.kind === 'gateway') return `gateway|${proxy.namespace}|${proxy.gateway}`;
  if (proxy.kind !== 'sidecar') return 'proxyless';
  const calls = model.service(proxy.namespace, proxy.workload!)?.spec.calls ?? [];
  return calls.length === 0 ? 'sidecar|*' : `sidecar|${proxy.namespace}|${proxy.workload}`;
}

/** Workloads by `namespace|address`, once per workloads array: every sidecar looks up its own. */
const byAddress = new WeakMap<readonly WorkloadInstance[], Map<string, WorkloadInstance>>();

function workloadAt(workloads: readonly WorkloadInstance[], namespace: string, address: string): WorkloadInstance | undefined {
  let index = byAddress.get(workloads);
  if (!index) {
    index = new Map();
    for (const w of workloads) if (!index.has(`${w.namespace}|${w.address}`)) index.set(`${w.namespace}|${w.address}`, w);
    byAddress.set(workloads, index);
  }
  return index.get(`${namespace}|${address}`);
}

/** A proxy's last inbound translation and what it read: the model and its own workload (the only workload it reads). */
const inboundMemo = new WeakMap<ProxyIdentity, { readonly model: MeshModel; readonly self: WorkloadInstance | undefined; readonly translation: Translation }>();

/**
 * The inbound half: a sidecar's own listeners, the clusters to its application, its SDS secrets.
 * Translated again only when the model or the proxy's own workload changed, so an endpoint move
 * elsewhere costs a proxy nothing here (and its resources keep their versions without hashing).
 */
export function translateInbound(model: MeshModel, workloads: readonly WorkloadInstance[], proxy: ProxyIdentity): Translation {
  const empty = { listeners: [], routeConfigurations: [], virtualHosts: [], clusters: [], clusterLoadAssignments: [], secretNames: [] };
  if (proxy.kind !== 'sidecar') return { ...empty, issues: [] };
  const service = model.service(proxy.namespace, proxy.workload!);
  const self = workloadAt(workloads, service?.metadata.namespace ?? proxy.namespace, proxy.instanceIp!);
  const memo = inboundMemo.get(proxy);
  if (memo && memo.model === model && memo.self === self) return memo.translation;
  const ctx = context(model, workloads, proxy);
  if (!service) {
    ctx.issues.add({
      code: 'UNKNOWN_SERVICE',
      severity: 'rejected',
      where: `proxy ${proxy.id}`,
      field: 'node.metadata.WORKLOAD',
      message: `names ${proxy.namespace}/${proxy.workload}, which is not a MeshService; the proxy gets no inbound listeners`,
    });
    return { ...empty, secretNames: [SDS_DEFAULT, SDS_ROOT_CA], issues: ctx.issues.issues };
  }
  const inbound = inboundOf(ctx, service, self);
  const translation = { ...empty, listeners: inbound.listeners, clusters: inbound.clusters, secretNames: [SDS_DEFAULT, SDS_ROOT_CA], issues: ctx.issues.issues };
  inboundMemo.set(proxy, { model, self, translation });
  return translation;
}

/** Both halves together: everything one proxy is sent. */
export function mergeTranslations(outbound: Translation, inbound: Translation): Translation {
  return {
    listeners: unique([...inbound.listeners, ...outbound.listeners], 'name'),
    routeConfigurations: outbound.routeConfigurations,
    virtualHosts: outbound.virtualHosts,
    clusters: unique([...inbound.clusters, ...outbound.clusters], 'name'),
    clusterLoadAssignments: outbound.clusterLoadAssignments,
    secretNames: [...new Set([...inbound.secretNames, ...outbound.secretNames])],
    issues: [...outbound.issues, ...inbound.issues],
  };
}

/** Mesh resources + endpoints + the asking proxy → the Envoy resources that proxy needs. */
export function translateForProxy(model: MeshModel, workloads: readonly WorkloadInstance[], proxy: ProxyIdentity): Translation {
  const outbound = translateOutbound(model, workloads, proxy);
  return mergeTranslations({ ...outbound, listeners: bindOutboundListeners(outbound.listeners, proxy) }, translateInbound(model, workloads, proxy));
}
