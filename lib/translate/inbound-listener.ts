import { TypeUrl } from '../xds';
import { inboundClusterName } from '../naming';
import type { Resolved } from '../model';
import { whereOf, type TranslationContext } from './context';
import type { EnvoyMessage } from './envoy-types';
import { jwtAuthn } from './jwt-authn';
import { localRateLimit } from './local-rate-limit';
import { socketAddress, wrapped } from './proto-values';
import { rbacFilters } from './rbac';
import { FilterName, inboundListenerName } from './resource-names';
import { effectiveTelemetry, telemetryFields } from './telemetry';
import { downstreamMtlsSocket } from './tls-contexts';
import { DEFAULT_APP_ADDRESS } from './workloads';

/** A sidecar's inbound side: one listener and one STATIC cluster (to the application) per port of its service. */
export function inboundOf(ctx: TranslationContext, service: Resolved<'MeshService'>): { listeners: EnvoyMessage[]; clusters: EnvoyMessage[] } {
  const ip = ctx.proxy.instanceIp!;
  const self = ctx.workloads.find((w) => w.address === ip && w.namespace === service.metadata.namespace);
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
  for (const port of service.spec.ports) {
    const cluster = inboundClusterName(port.port);
    const appPort = self?.app?.ports?.[String(port.port)] ?? port.targetPort ?? port.port;
    clusters.push({
      name: cluster,
      type: 'STATIC',
      connect_timeout: { seconds: '10', nanos: 0 },
      load_assignment: {
        cluster_name: cluster,
        endpoints: [{ locality: {}, lb_endpoints: [{ endpoint: { address: socketAddress(self?.app?.address ?? DEFAULT_APP_ADDRESS, appPort) }, load_balancing_weight: wrapped(1) }] }],
      },
      ...(port.protocol === 'http2' || port.protocol === 'grpc' ? { http2_protocol_options: {} } : {}),
    });
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
    listeners.push({ name, address: socketAddress(ip, port.port), traffic_direction: 'INBOUND', ...filterChains(ctx.model.mtlsMode(service, port.port), filters), ...telemetry.listener });
  }
  return { listeners, clusters };
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
