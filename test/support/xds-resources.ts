import { msToDuration, toStruct, TypeUrl } from '../../lib/xds';
import { TELEMETRY_METADATA_KEY } from '../../proxy/telemetry';

/** Small builders of Envoy v3 resources (plain objects) for tests; anything else passes through `extra`. */
type Obj = Record<string, unknown>;

export const routerFilter = { name: 'envoy.filters.http.router', typed_config: { '@type': TypeUrl.Router } };

export function httpFilter(name: string, typeUrl: string, config: Obj = {}): Obj {
  return { name, typed_config: { '@type': typeUrl, ...config } };
}

export function hcm(routeConfigName: string, filters: Obj[] = [], extra: Obj = {}): Obj {
  return {
    '@type': TypeUrl.HttpConnectionManager,
    stat_prefix: routeConfigName,
    rds: { route_config_name: routeConfigName, config_source: { ads: {} } },
    http_filters: [...filters, routerFilter],
    ...extra,
  };
}

export function listener(name: string, port: number, chains: Obj[], extra: Obj = {}, host = '127.0.0.1'): Obj & { name: string } {
  return { name, address: { socket_address: { address: host, port_value: port } }, filter_chains: chains, ...extra };
}

/** A listener with access logs on, as the controller sends a Telemetry policy that enables them (they are off by default). */
export function withAccessLogs<T extends Obj>(resource: T): T {
  return { ...resource, metadata: { filter_metadata: { [TELEMETRY_METADATA_KEY]: toStruct({ accessLogs: { enabled: true } }) } } };
}

/** A plaintext HTTP listener using RDS route config `routeConfigName`. */
export function httpListener(name: string, port: number, routeConfigName: string, filters: Obj[] = [], extra: Obj = {}): Obj & { name: string } {
  return listener(name, port, [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm(routeConfigName, filters, extra) }] }]);
}

export function routeConfig(name: string, virtualHosts: Obj[]): Obj & { name: string } {
  return { name, virtual_hosts: virtualHosts };
}

/** `vhds` as the controller sends it: the virtual hosts come by delta gRPC from `xds-grpc` (the controller). */
export const vhdsSource = {
  config_source: {
    api_config_source: { api_type: 'DELTA_GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
    resource_api_version: 'V3',
  },
};

/** A route configuration holding `virtualHosts` inline and taking the others from VHDS. */
export function vhdsRouteConfig(name: string, virtualHosts: Obj[], source: Obj = vhdsSource): Obj & { name: string } {
  return { ...routeConfig(name, virtualHosts), vhds: source };
}

export function virtualHost(name: string, routes: Obj[], domains: string[] = ['*'], extra: Obj = {}): Obj {
  return { name, domains, routes, ...extra };
}

export function route(match: Obj, action: Obj, extra: Obj = {}): Obj {
  return { match, ...action, ...extra };
}

export const toCluster = (cluster: string, extra: Obj = {}) => ({ route: { cluster, ...extra } });
export const prefix = (value: string, extra: Obj = {}) => ({ prefix: value, ...extra });

export function cluster(name: string, extra: Obj = {}): Obj & { name: string } {
  return {
    name,
    type: 'EDS',
    eds_cluster_config: { service_name: name, eds_config: { ads: {} } },
    connect_timeout: msToDuration(1000),
    ...extra,
  };
}

/** A ClusterLoadAssignment; each address is host:port. */
export function endpoints(clusterName: string, addresses: string[], weights: number[] = []): Obj & { cluster_name: string } {
  return {
    cluster_name: clusterName,
    endpoints: [
      {
        locality: { region: 'local', zone: 'a' },
        load_balancing_weight: { value: 1 },
        lb_endpoints: addresses.map((address, index) => {
          const [host, port] = address.split(':');
          return {
            endpoint: { address: { socket_address: { address: host, port_value: Number(port) } } },
            load_balancing_weight: { value: weights[index] ?? 1 },
          };
        }),
      },
    ],
  };
}

export const duration = msToDuration;

const sds = (name: string) => ({ name, sds_config: { ads: {} } });

/** SDS secrets as the contract names them: `default` (the SVID) and `ROOTCA` (the trust bundle). */
export function certificateSecret(cert: string, key: string, name = 'default'): Obj & { name: string } {
  return { name, tls_certificate: { certificate_chain: { inline_string: cert }, private_key: { inline_string: key } } };
}

export function rootCaSecret(caPem: string, name = 'ROOTCA'): Obj & { name: string } {
  return { name, validation_context: { trusted_ca: { inline_string: caPem } } };
}

/** The transport socket of an inbound mTLS chain (client certificate required). */
export function downstreamMtls(): Obj {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': TypeUrl.DownstreamTlsContext,
      require_client_certificate: { value: true },
      common_tls_context: { tls_certificate_sds_secret_configs: [sds('default')], validation_context_sds_secret_config: sds('ROOTCA') },
    },
  };
}

/** The transport socket of a cluster calling a mesh peer whose URI SAN must be `spiffeId`. */
export function upstreamMtls(spiffeId: string): Obj {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': TypeUrl.UpstreamTlsContext,
      common_tls_context: {
        tls_certificate_sds_secret_configs: [sds('default')],
        combined_validation_context: {
          default_validation_context: { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: spiffeId } }] },
          validation_context_sds_secret_config: sds('ROOTCA'),
        },
      },
    },
  };
}

/** An HttpConnectionManager with its routes inline (inbound listeners). */
export function inlineHcm(routeName: string, virtualHosts: Obj[], filters: Obj[] = [], extra: Obj = {}): Obj {
  return {
    '@type': TypeUrl.HttpConnectionManager,
    stat_prefix: routeName,
    route_config: { name: routeName, virtual_hosts: virtualHosts },
    http_filters: [...filters, routerFilter],
    ...extra,
  };
}

/**
 * An inbound listener by mTLS mode: STRICT (TLS chain only), PERMISSIVE (tls_inspector, a TLS and a
 * plaintext chain) or DISABLE (plaintext only), all running `hcmConfig`.
 */
export function inboundListener(name: string, port: number, mode: 'STRICT' | 'PERMISSIVE' | 'DISABLE', hcmConfig: Obj): Obj & { name: string } {
  const network = [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcmConfig }];
  const tlsChain = { filter_chain_match: { transport_protocol: 'tls' }, filters: network, transport_socket: downstreamMtls() };
  const plainChain = { filters: network };
  const chains = mode === 'STRICT' ? [tlsChain] : mode === 'PERMISSIVE' ? [tlsChain, plainChain] : [plainChain];
  const extra: Obj = { traffic_direction: 'INBOUND' };
  if (mode === 'PERMISSIVE') extra['listener_filters'] = [{ name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': TypeUrl.TlsInspector } }];
  return listener(name, port, chains, extra);
}
