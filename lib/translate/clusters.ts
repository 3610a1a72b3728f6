import { spiffeId } from '../naming';
import { trafficPolicyFor, trafficRouteFor, type TranslationContext } from './context';
import { clusterNameOf, type OutboundService } from './destinations';
import type { EnvoyMessage } from './envoy-types';
import { connectionPoolFields } from './circuit-breakers';
import { loadBalancerFields } from './load-balancer';
import { outlierDetectionFields } from './outlier-detection';
import { ADS, http2Upstream, socketAddress, wrapped } from './proto-values';
import { egressCluster, egressHopOf } from './egress';
import { upstreamMtlsSocket, upstreamOriginationSocket } from './tls-contexts';

const DEFAULT_CONNECT_TIMEOUT = { seconds: '10', nanos: 0 };

/** The clusters of one destination port: the whole service and, for a MeshService, each version. */
export function clustersOf(ctx: TranslationContext, destination: OutboundService): EnvoyMessage[] {
  if (destination.mesh) {
    const versions = [undefined, ...destination.mesh.spec.versions.map((v) => v.name)];
    return versions.map((version) => meshCluster(ctx, destination, version));
  }
  const external = externalCluster(ctx, destination);
  return external ? [external] : [];
}

function policyFields(ctx: TranslationContext, destination: OutboundService, version: string | undefined): EnvoyMessage {
  const policy = trafficPolicyFor(ctx, destination.namespace, destination.name, version);
  const where = policy.where ?? destination.where;
  const budget = policy.retryBudget ?? routeRetryBudget(ctx, destination) ?? ctx.model.mesh.retryBudget;
  return {
    ...loadBalancerFields(ctx, policy.loadBalancer, where),
    ...connectionPoolFields(ctx, policy, budget, where),
    ...outlierDetectionFields(policy.outlierDetection),
  };
}

/** A rule's own budget applies to the destination it routes (Envoy budgets per cluster). */
function routeRetryBudget(ctx: TranslationContext, destination: OutboundService) {
  const route = trafficRouteFor(ctx, destination.namespace, destination.name, destination.port);
  return route?.spec.rules.find((rule) => rule.retry?.budget)?.retry?.budget;
}

function meshCluster(ctx: TranslationContext, destination: OutboundService, version: string | undefined): EnvoyMessage {
  const service = destination.mesh!;
  const name = clusterNameOf(destination, version);
  const protocol = service.spec.ports.find((p) => p.port === destination.port)?.protocol;
  const cluster: EnvoyMessage = {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: ADS, service_name: name },
    connect_timeout: DEFAULT_CONNECT_TIMEOUT,
    ...(protocol === 'http2' || protocol === 'grpc' ? http2Upstream() : {}),
    ...policyFields(ctx, destination, version),
  };
  if (acceptsMtls(ctx, destination)) {
    const peer = spiffeId(ctx.model.mesh.trustDomain, service.metadata.namespace, ctx.model.serviceAccountOf(service));
    cluster['transport_socket'] = upstreamMtlsSocket([peer], destination.host);
  }
  return cluster;
}

/**
 * A sidecar or a gateway originates mTLS to a destination that runs a sidecar and does not disable
 * mTLS on the port. Proxyless clients have no SDS certificates (grpc-js-xds only takes certificate provider
 * plugins), so they call in plaintext, which PERMISSIVE destinations accept.
 */
function acceptsMtls(ctx: TranslationContext, destination: OutboundService): boolean {
  const service = destination.mesh!;
  return ctx.proxy.kind !== 'proxyless' && service.spec.sidecar.inject && ctx.model.mtlsMode(service, destination.port) !== 'DISABLE';
}

function externalCluster(ctx: TranslationContext, destination: OutboundService): EnvoyMessage | undefined {
  const external = destination.external!;
  const hop = egressHopOf(ctx, destination);
  if (hop) return egressCluster(ctx, destination, hop, policyFields(ctx, destination, undefined));
  const name = clusterNameOf(destination);
  const cluster: EnvoyMessage = { name, connect_timeout: DEFAULT_CONNECT_TIMEOUT, ...policyFields(ctx, destination, undefined) };
  if (external.spec.resolution === 'STATIC') {
    Object.assign(cluster, { type: 'EDS', eds_cluster_config: { eds_config: ADS, service_name: name } });
  } else if (destination.host.startsWith('*.')) {
    ctx.issues.add({
      code: 'UNKNOWN_SERVICE',
      severity: 'rejected',
      where: destination.where,
      field: 'spec.hosts',
      message: `has the wildcard host ${destination.host}, which DNS cannot resolve; use resolution STATIC with endpoints for it`,
    });
    return undefined;
  } else {
    // LOGICAL_DNS: one connection target per lookup, as Envoy advises for large external hosts,
    // and the only DNS cluster type gRPC clients accept.
    Object.assign(cluster, {
      type: 'LOGICAL_DNS',
      dns_lookup_family: 'V4_ONLY',
      load_assignment: {
        cluster_name: name,
        endpoints: [{ locality: {}, lb_endpoints: [{ endpoint: { address: socketAddress(destination.host, destination.port) }, load_balancing_weight: wrapped(1) }] }],
      },
    });
  }
  if (external.spec.tls.mode === 'ORIGINATE') {
    if (ctx.proxy.kind === 'proxyless') {
      ctx.issues.add({
        code: 'UNSUPPORTED_BY_PROXYLESS',
        severity: 'degraded',
        where: destination.where,
        field: 'spec.tls.mode',
        message: 'is ORIGINATE; a proxyless gRPC client sets up TLS itself (its channel credentials), so the cluster carries none',
      });
    } else {
      cluster['transport_socket'] = upstreamOriginationSocket(external.spec.tls.sni ?? destination.host, external.spec.tls.caCertificates);
    }
  }
  return cluster;
}
