import type { Resolved } from '../model';
import { spiffeId } from '../naming';
import type { TranslationContext } from './context';
import { clusterNameOf, type OutboundService } from './destinations';
import type { EnvoyMessage } from './envoy-types';
import { ADS } from './proto-values';
import { upstreamMtlsSocket } from './tls-contexts';
import { selects } from './workloads';

/** The egress gateway an ExternalService's calls leave through, and the listener port that takes them. */
export interface EgressHop {
  readonly gateway: Resolved<'MeshGateway'>;
  readonly port: number;
}

/**
 * Where a sidecar sends an ExternalService's calls when the service names an egress gateway: that
 * gateway's first HTTP listener (which takes mesh mTLS). Undefined, with an issue, when the gateway
 * is missing, is not an egress gateway or has no HTTP listener, or the port is not HTTP (TLS passed
 * through or TCP cannot be routed by host at the gateway): the sidecar then calls the host itself.
 */
export function egressHopOf(ctx: TranslationContext, destination: OutboundService): EgressHop | undefined {
  const external = destination.external;
  const ref = external?.spec.egressGateway;
  if (!external || !ref || ctx.proxy.kind !== 'sidecar') return undefined;
  const namespace = ref.namespace ?? external.metadata.namespace;
  const reject = (message: string) => {
    ctx.issues.add({ code: 'UNKNOWN_GATEWAY', severity: 'rejected', where: destination.where, field: 'spec.egressGateway', message: `${message}; sidecars call ${destination.host} directly` });
    return undefined;
  };
  const gateway = ctx.model.gateway(namespace, ref.name);
  if (!gateway) return reject(`names ${namespace}/${ref.name}, which is not a MeshGateway`);
  if (gateway.spec.role !== 'Egress') return reject(`names MeshGateway ${namespace}/${ref.name}, whose role is ${gateway.spec.role}, not Egress`);
  const listener = gateway.spec.listeners.find((l) => l.protocol === 'HTTP');
  if (!listener) return reject(`names MeshGateway ${namespace}/${ref.name}, which has no HTTP listener to take the mesh's calls`);
  if (destination.protocol !== 'http') return reject(`routes port ${destination.port} (${destination.protocol}), but an egress gateway routes HTTP by host; use protocol http, or https with tls.mode ORIGINATE`);
  return { gateway, port: listener.port };
}

/** The ready instances of a gateway: the pods its selector picks in its namespace. */
export function gatewayInstances(ctx: TranslationContext, gateway: Resolved<'MeshGateway'>) {
  const selector = ctx.model.gatewaySelectorOf(gateway);
  const [first] = Object.entries(selector);
  if (!first) return [];
  return ctx.index.withLabel(gateway.metadata.namespace, first[0], first[1]).filter((w) => w.ready !== false && selects(selector, w.labels));
}

/** A digest of the workloads a gateway's instances are chosen from, for the destination memo. */
export function gatewayInstancesDigest(ctx: TranslationContext, gateway: Resolved<'MeshGateway'>): string {
  const [first] = Object.entries(ctx.model.gatewaySelectorOf(gateway));
  return first ? ctx.index.candidatesDigest(gateway.metadata.namespace, first[0], first[1]) : '';
}

/**
 * A sidecar's cluster for an ExternalService that leaves through an egress gateway: the gateway's
 * instances over mesh mTLS (checked against the gateway's SPIFFE id), SNI naming the external host.
 * The request keeps its Host, by which the gateway picks the external host's cluster.
 */
export function egressCluster(ctx: TranslationContext, destination: OutboundService, hop: EgressHop, policy: EnvoyMessage): EnvoyMessage {
  const name = clusterNameOf(destination);
  const peer = spiffeId(ctx.model.mesh.trustDomain, hop.gateway.metadata.namespace, ctx.model.gatewayServiceAccountOf(hop.gateway));
  return {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: ADS, service_name: name },
    connect_timeout: { seconds: '10', nanos: 0 },
    ...policy,
    transport_socket: upstreamMtlsSocket([peer], destination.host),
  };
}
