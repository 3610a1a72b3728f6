import { BLACKHOLE_CLUSTER, SIDECAR_BLACKHOLE_PORT } from '../naming';
import { TypeUrl } from '../xds';
import { apiListenerName, FilterName, outboundListenerName, routeConfigName } from './resource-names';
import { trafficRouteFor, whereOf, type TranslationContext } from './context';
import { clusterNameOf, resolveBackend, type OutboundService } from './destinations';
import type { EnvoyMessage } from './envoy-types';
import { faultFilterConfig } from './fault';
import { ADS, socketAddress } from './proto-values';
import type { ProxyIdentity } from './proxy-identity';

const ANY_ADDRESS = '0.0.0.0';

/** The client-side HTTP filters: faults (set per route), then the Router, which must be last. */
function outboundHttpFilters(): EnvoyMessage[] {
  return [
    { name: FilterName.Fault, typed_config: faultFilterConfig() },
    { name: FilterName.Router, typed_config: { '@type': TypeUrl.Router } },
  ];
}

function httpConnectionManager(statPrefix: string, port: number): EnvoyMessage {
  return {
    '@type': TypeUrl.HttpConnectionManager,
    stat_prefix: statPrefix,
    rds: { route_config_name: routeConfigName(port), config_source: ADS },
    http_filters: outboundHttpFilters(),
  };
}

/** The API listener a proxyless client asks for by its target `<host>:<port>`. */
export function apiListenerOf(destination: OutboundService): EnvoyMessage {
  const name = apiListenerName(destination.host, destination.port);
  return { name, api_listener: { api_listener: httpConnectionManager(name, destination.port) } };
}

/**
 * A sidecar's outbound listeners, one per port. A port is HTTP (routes decide by host) or TCP/TLS
 * (no host to decide by, except SNI for TLS passthrough); a port claimed both ways is given to HTTP
 * and the rest reported.
 */
export function outboundListenersOf(ctx: TranslationContext, destinations: readonly OutboundService[]): { listeners: EnvoyMessage[]; http: OutboundService[] } {
  const byPort = new Map<number, OutboundService[]>();
  for (const d of destinations) byPort.set(d.port, [...(byPort.get(d.port) ?? []), d]);
  const listeners: EnvoyMessage[] = [];
  const http: OutboundService[] = [];
  for (const [port, onPort] of [...byPort.entries()].sort(([a], [b]) => a - b)) {
    const base = { name: outboundListenerName(port), address: socketAddress(ANY_ADDRESS, port), traffic_direction: 'OUTBOUND' };
    const httpHere = onPort.filter((d) => d.protocol === 'http');
    if (httpHere.length > 0) {
      reportConflicts(ctx, onPort.filter((d) => d.protocol !== 'http'), port, 'HTTP');
      http.push(...httpHere);
      listeners.push({
        ...base,
        filter_chains: [{ filters: [{ name: FilterName.HttpConnectionManager, typed_config: httpConnectionManager(outboundListenerName(port), port) }] }],
      });
      continue;
    }
    const tls = onPort.filter((d) => d.protocol === 'tls');
    const tcp = onPort.filter((d) => d.protocol === 'tcp');
    const [plain, ...extraTcp] = tcp;
    reportConflicts(ctx, extraTcp, port, `TCP to ${plain?.host}`);
    const chains = [
      ...tls.map((d) => ({ filter_chain_match: { server_names: [d.host] }, filters: [tcpProxy(ctx, d)] })),
      ...(plain ? [{ filters: [tcpProxy(ctx, plain)] }] : []),
    ];
    listeners.push({ ...base, ...(tls.length > 0 ? { listener_filters: [{ name: FilterName.TlsInspector, typed_config: { '@type': TypeUrl.TlsInspector } }] } : {}), filter_chains: chains });
  }
  return { listeners, http };
}

/**
 * Outbound listeners bound where this proxy binds them: `0.0.0.0`, or its `OUTBOUND_IP`, on the
 * port itself or, for a port its own app listens on, the remapped one (`OUTBOUND_PORTS`). Kept
 * apart from the translation so that proxies alike share one.
 */
export function bindOutboundListeners(listeners: readonly EnvoyMessage[], proxy: Pick<ProxyIdentity, 'outboundIp' | 'outboundPorts'>): EnvoyMessage[] {
  const { outboundIp, outboundPorts } = proxy;
  if (!outboundIp && !outboundPorts?.size) return [...listeners];
  return listeners.map((l) => {
    const address = l['address'] as { socket_address: { address: string; port_value: number } } | undefined;
    if (!address) return l;
    const { address: ip, port_value: port } = address.socket_address;
    return { ...l, address: socketAddress(outboundIp ?? ip, outboundPorts?.get(port) ?? port) };
  });
}

function reportConflicts(ctx: TranslationContext, losers: readonly OutboundService[], port: number, winner: string): void {
  for (const d of losers) {
    ctx.issues.add({
      code: 'PORT_CONFLICT',
      severity: 'rejected',
      where: d.where,
      field: 'spec.ports',
      message: `port ${port} (${d.protocol}) cannot share the outbound listener with ${winner}; give it another port`,
    });
  }
}

/** TCP forwarding to a destination; a TrafficRoute with one match-all rule may split it by weight. */
function tcpProxy(ctx: TranslationContext, destination: OutboundService): EnvoyMessage {
  const statPrefix = clusterNameOf(destination);
  const route = trafficRouteFor(ctx, destination.namespace, destination.name, destination.port);
  const rule = route?.spec.rules[0];
  let weighted: EnvoyMessage[] = [];
  if (route && rule) {
    const where = whereOf(route);
    if (route.spec.rules.length > 1 || rule.matches.length > 0 || rule.backends.length === 0) {
      ctx.issues.add({
        code: 'HTTP_FEATURE_ON_TCP',
        severity: 'rejected',
        where,
        field: 'spec.rules',
        message: `routes the TCP port ${destination.port}, where only one rule without matches (a weighted split) applies; the first rule's backends are used`,
      });
    }
    for (const key of ['timeout', 'retry', 'fault', 'mirror', 'rewrite', 'requestHeaders', 'responseHeaders'] as const) {
      if (rule[key] === undefined) continue;
      ctx.issues.add({ code: 'HTTP_FEATURE_ON_TCP', severity: 'rejected', where, field: `spec.rules[0].${key}`, message: `is an HTTP feature; port ${destination.port} is TCP` });
    }
    weighted = rule.backends.flatMap((b, i) => {
      const cluster = resolveBackend(ctx, destination, b, where, `spec.rules[0].backends[${i}]`);
      return cluster ? [{ name: cluster, weight: b.weight }] : [];
    });
  }
  const target = weighted.length > 1 ? { weighted_clusters: { clusters: weighted.map((w) => ({ name: w.name, weight: w.weight })) } } : { cluster: weighted[0]?.name ?? statPrefix };
  return { name: FilterName.TcpProxy, typed_config: { '@type': TypeUrl.TcpProxy, stat_prefix: statPrefix, ...target } };
}

/**
 * Under REGISTRY_ONLY, the listener the pod's capture rules send the app's TCP to every port no
 * MeshService or ExternalService uses (lib/injection): its cluster has no endpoints, so the proxy
 * closes each connection and logs `tcp.outbound_refused` (code OUTBOUND_NOT_REGISTERED).
 */
export function blackHole(): { listener: EnvoyMessage; cluster: EnvoyMessage } {
  return {
    listener: {
      name: 'BlackHole',
      address: socketAddress(ANY_ADDRESS, SIDECAR_BLACKHOLE_PORT),
      traffic_direction: 'OUTBOUND',
      filter_chains: [{ filters: [{ name: FilterName.TcpProxy, typed_config: { '@type': TypeUrl.TcpProxy, stat_prefix: BLACKHOLE_CLUSTER, cluster: BLACKHOLE_CLUSTER } }] }],
    },
    cluster: { name: BLACKHOLE_CLUSTER, type: 'STATIC', connect_timeout: { seconds: '10', nanos: 0 }, load_assignment: { cluster_name: BLACKHOLE_CLUSTER, endpoints: [] } },
  };
}
