import { msToDuration, TypeUrl } from '../../lib/xds';

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

/** A plaintext HTTP listener using RDS route config `routeConfigName`. */
export function httpListener(name: string, port: number, routeConfigName: string, filters: Obj[] = [], extra: Obj = {}): Obj & { name: string } {
  return listener(name, port, [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm(routeConfigName, filters, extra) }] }]);
}

export function routeConfig(name: string, virtualHosts: Obj[]): Obj & { name: string } {
  return { name, virtual_hosts: virtualHosts };
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
