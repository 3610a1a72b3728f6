import { TypeUrl } from '../xds';
import { inboundClusterName } from '../naming';
import type { Resolved } from '../model';
import { whereOf, type TranslationContext } from './context';
import type { EnvoyMessage } from './envoy-types';
import { jwtAuthn } from './jwt-authn';
import { localRateLimit } from './local-rate-limit';
import { http2Upstream, socketAddress, wrapped } from './proto-values';
import { rbacFilters } from './rbac';
import { FilterName, inboundListenerName, inboundPassthroughName } from './resource-names';
import { effectiveTelemetry, telemetryFields } from './telemetry';
import { downstreamMtlsSocket } from './tls-contexts';
import { DEFAULT_APP_ADDRESS, type WorkloadInstance } from './workloads';

/** A sidecar's inbound side: one listener and one STATIC cluster (to the application) per port of its service. */
export function inboundOf(ctx: TranslationContext, service: Resolved<'MeshService'>, self: WorkloadInstance | undefined): { listeners: EnvoyMessage[]; clusters: EnvoyMessage[] } {
  const ip = ctx.proxy.instanceIp!;
  const access = ctx.model.policiesFor('AccessPolicy', service);
  const jwt = jwtAuthn(ctx.model.policiesFor('JwtPolicy', service));
  const rateLimit = localRateLimit(ctx, ctx.model.policiesFor('RateLimit', service));
  const telemetry = telemetryFields(effectiveTelemetry(ctx.model.policiesFor('Telemetry', service)));
  const httpFilters = [
    ...(jwt.filter ? [jwt.filter] : []),
    ...rbacFilters(ctx, access),
    ...(rateLimit ? [rateLimit] : []),
    { name: FilterName.Router, typed_config: { '@type': TypeUrl.Router } },
  ];
  const listeners: EnvoyMessage[] = [];
  const clusters: EnvoyMessage[] = [...jwt.clusters];
  const appAddress = self?.app?.address ?? DEFAULT_APP_ADDRESS;
  const served = new Set<number>();
  for (const port of service.spec.ports) {
    const cluster = inboundClusterName(port.port);
    const appPort = self?.app?.ports?.[String(port.port)] ?? port.targetPort ?? port.port;
    const listenPort = listenPortOf(ctx, service, port.port, appPort);
    if (listenPort === undefined) continue;
    served.add(appPort);
    clusters.push(appCluster(cluster, appAddress, appPort, port.protocol === 'http2' || port.protocol === 'grpc'));
    const name = inboundListenerName(ip, port.port);
    let filters: EnvoyMessage[];
    if (port.protocol === 'tcp') {
      rejectHttpPoliciesOnTcp(ctx, service, port.port, access.length > 0 || jwt.filter !== undefined || rateLimit !== undefined);
      filters = [{ name: FilterName.TcpProxy, typed_config: { '@type': TypeUrl.TcpProxy, stat_prefix: cluster, cluster } }];
    } else {
      filters = [
        {
          name: FilterName.HttpConnectionManager,
          typed_config: {
            '@type': TypeUrl.HttpConnectionManager,
            stat_prefix: name,
            // The application learns who called it (Istio does the same): a forged header is replaced.
            forward_client_cert_details: 'SANITIZE_SET',
            set_current_client_cert_details: { uri: true },
            route_config: {
              name: cluster,
              virtual_hosts: [{ name: cluster, domains: ['*'], routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster, timeout: { seconds: '0', nanos: 0 } } }] }],
            },
            http_filters: httpFilters,
            ...telemetry.hcm,
          },
        },
      ];
    }
    listeners.push({ name, address: socketAddress(ip, listenPort), traffic_direction: 'INBOUND', ...filterChains(ctx.model.mtlsMode(service, port.port), filters), ...telemetry.listener });
  }
  // A captured port no service port targets (metrics, debug) is passed through as it came, as Istio's InboundPassthroughCluster does.
  for (const [appPort, listenPort] of ctx.proxy.inboundPorts ?? []) {
    if (served.has(appPort)) continue;
    const name = inboundPassthroughName(appPort);
    clusters.push(appCluster(name, appAddress, appPort, false));
    listeners.push({
      name,
      address: socketAddress(ip, listenPort),
      traffic_direction: 'INBOUND',
      filter_chains: [{ filters: [{ name: FilterName.TcpProxy, typed_config: { '@type': TypeUrl.TcpProxy, stat_prefix: name, cluster: name } }] }],
    });
  }
  return { listeners, clusters };
}

/** One STATIC cluster to the application on `address:port`. */
function appCluster(name: string, address: string, port: number, http2: boolean): EnvoyMessage {
  return {
    name,
    type: 'STATIC',
    connect_timeout: { seconds: '10', nanos: 0 },
    load_assignment: {
      cluster_name: name,
      endpoints: [{ locality: {}, lb_endpoints: [{ endpoint: { address: socketAddress(address, port) }, load_balancing_weight: wrapped(1) }] }],
    },
    ...(http2 ? http2Upstream() : {}),
  };
}

/**
 * Where the inbound listener of a service port binds: the port itself, or in a pod with traffic
 * capture the proxy port its target port is redirected to. A target port the pod does not capture
 * gets no listener: callers would reach the app directly, and their mTLS would meet plaintext.
 */
function listenPortOf(ctx: TranslationContext, service: Resolved<'MeshService'>, port: number, appPort: number): number | undefined {
  const captured = ctx.proxy.inboundPorts;
  if (!captured) return port;
  const listenPort = captured.get(appPort);
  if (listenPort === undefined) {
    ctx.issues.add({
      code: 'PORT_NOT_CAPTURED',
      severity: 'rejected',
      where: whereOf(service),
      field: 'spec.ports',
      message: `port ${port} targets ${appPort}, which the pod of proxy ${ctx.proxy.id} does not capture; declare containerPort ${appPort} on its app container (and do not exclude it with meshform.dev/exclude-inbound-ports)`,
    });
  }
  return listenPort;
}

/** STRICT: only mTLS; PERMISSIVE: mTLS when the client speaks TLS, plaintext otherwise; DISABLE: plaintext. */
function filterChains(mode: 'STRICT' | 'PERMISSIVE' | 'DISABLE', filters: EnvoyMessage[]): EnvoyMessage {
  const tls = { filters, transport_socket: downstreamMtlsSocket() };
  switch (mode) {
    case 'STRICT':
      return { filter_chains: [tls] };
    case 'PERMISSIVE':
      return {
        listener_filters: [{ name: FilterName.TlsInspector, typed_config: { '@type': TypeUrl.TlsInspector } }],
        filter_chains: [{ ...tls, filter_chain_match: { transport_protocol: 'tls' } }, { filters }],
      };
    case 'DISABLE':
      return { filter_chains: [{ filters }] };
  }
}

function rejectHttpPoliciesOnTcp(ctx: TranslationContext, service: Resolved<'MeshService'>, port: number, hasHttpPolicies: boolean): void {
  if (!hasHttpPolicies) return;
  ctx.issues.add({
    code: 'HTTP_FEATURE_ON_TCP',
    severity: 'rejected',
    where: whereOf(service),
    field: 'spec.ports',
    message: `port ${port} is TCP; AccessPolicy, JwtPolicy and RateLimit act on HTTP requests and are not applied there (mTLS still is)`,
  });
}
