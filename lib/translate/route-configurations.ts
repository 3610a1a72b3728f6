import { XDS_CLUSTER } from '../xds';
import { FilterName, routeConfigName, virtualHostName } from './resource-names';
import { trafficRouteFor, whereOf, type TranslationContext } from './context';
import { clusterNameOf, type OutboundService } from './destinations';
import type { EnvoyMessage } from './envoy-types';
import { envoyFault } from './fault';
import { headerChangeFields } from './header-changes';
import { defaultRouteAction, envoyRouteAction, type RouteRule } from './route-action';
import { envoyRouteMatches } from './route-match';

/** Where a sidecar sends calls to hosts outside the registry when the mesh allows it (ALLOW_ANY). */
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';

/** Route rule features a gRPC client has no use for: it ignores them, which is reported, not silent. */
const PROXYLESS_IGNORED = ['mirror', 'rewrite', 'requestHeaders', 'responseHeaders'] as const;

/** The virtual host of one HTTP destination port, routes in the TrafficRoute's rule order. */
export function virtualHostOf(ctx: TranslationContext, destination: OutboundService): EnvoyMessage {
  const name = virtualHostName(destination.host, destination.port);
  const route = trafficRouteFor(ctx, destination.namespace, destination.name, destination.port);
  const routes = route ? routesOf(ctx, destination, route.spec.rules, whereOf(route)) : [{ name: 'default', match: { prefix: '/' }, ...defaultRouteAction(ctx, destination, clusterNameOf(destination)) }];
  return { name, domains: [...destination.domains], routes };
}

/**
 * Envoy routes of route rules in their order (a TrafficRoute's, or a GatewayRoute's at a gateway);
 * backends that name no service resolve against `destination`. `rulesField` locates the rules in `where`.
 */
export function routesOf(ctx: TranslationContext, destination: OutboundService, rules: readonly RouteRule[], where: string, rulesField = 'spec.rules'): EnvoyMessage[] {
  const proxyless = ctx.proxy.kind === 'proxyless';
  return rules.flatMap((rule, i) => {
    const field = `${rulesField}[${i}]`;
    if (proxyless && (rule.redirect || rule.directResponse)) {
      ctx.issues.add({
        code: 'UNSUPPORTED_BY_PROXYLESS',
        severity: 'rejected',
        where,
        field,
        message: 'redirects or answers directly; gRPC clients only route to clusters (they reject the whole route table otherwise), so the rule is left out for them',
      });
      return [];
    }
    if (proxyless) {
      for (const key of PROXYLESS_IGNORED) {
        if (rule[key] === undefined) continue;
        ctx.issues.add({ code: 'UNSUPPORTED_BY_PROXYLESS', severity: 'degraded', where, field: `${field}.${key}`, message: 'is ignored by proxyless gRPC clients' });
      }
    }
    const action = envoyRouteAction(ctx, destination, rule, where, field);
    if (!action) return [];
    const perFilter = rule.fault ? { typed_per_filter_config: { [FilterName.Fault]: envoyFault(rule.fault) } } : {};
    return envoyRouteMatches(rule).map((match) => ({
      name: rule.name ?? `rule-${i}`,
      match,
      ...action,
      ...perFilter,
      ...headerChangeFields('request', rule.requestHeaders),
      ...headerChangeFields('response', rule.responseHeaders),
    }));
  });
}

/** Where a sidecar's route configurations get their virtual hosts: the controller's delta VHDS stream. */
const VHDS_SOURCE = {
  config_source: {
    api_config_source: { api_type: 'DELTA_GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: XDS_CLUSTER } }] },
    resource_api_version: 'V3',
  },
};

/**
 * Route configurations named by port, one virtual host per destination on that port (`hostOf`, from
 * the destination's translation). A sidecar's configurations hold only a catch-all host (through to the original
 * destination under ALLOW_ANY, 502 under REGISTRY_ONLY: Istio's BlackHole) and get the others from
 * VHDS, one resource per destination, so that a change to one service sends one virtual host, not
 * the table of the whole port (370 KB at 1000 services). Proxyless gRPC clients have no VHDS: their
 * route configurations hold every virtual host.
 */
export function routeConfigurationsOf(
  ctx: TranslationContext,
  httpDestinations: readonly OutboundService[],
  hostOf: (destination: OutboundService) => EnvoyMessage,
): { routeConfigurations: EnvoyMessage[]; virtualHosts: EnvoyMessage[] } {
  const byPort = new Map<number, EnvoyMessage[]>();
  for (const destination of httpDestinations) {
    const hosts = byPort.get(destination.port) ?? [];
    hosts.push(hostOf(destination));
    byPort.set(destination.port, hosts);
  }
  const ports = [...byPort.entries()].sort(([a], [b]) => a - b);
  const sidecar = ctx.proxy.kind === 'sidecar';
  return {
    routeConfigurations: ports.map(([port, virtualHosts]) => ({
      name: routeConfigName(port),
      virtual_hosts: sidecar ? [catchAllHost(ctx)] : virtualHosts,
      ...(sidecar ? { vhds: VHDS_SOURCE } : {}),
      validate_clusters: { value: false },
    })),
    virtualHosts: sidecar ? ports.flatMap(([, virtualHosts]) => virtualHosts) : [],
  };
}

function catchAllHost(ctx: TranslationContext): EnvoyMessage {
  const action =
    ctx.model.mesh.outboundPolicy === 'ALLOW_ANY'
      ? { route: { cluster: PASSTHROUGH_CLUSTER, timeout: { seconds: '0', nanos: 0 } } }
      : { direct_response: { status: 502, body: { inline_string: 'host is not in the mesh registry (outboundPolicy REGISTRY_ONLY)\n' } } };
  return { name: ctx.model.mesh.outboundPolicy === 'ALLOW_ANY' ? 'allow_any' : 'block_all', domains: ['*'], routes: [{ name: 'catch-all', match: { prefix: '/' }, ...action }] };
}

/** The cluster behind ALLOW_ANY: forwards to the address the request named. */
export function passthroughCluster(): EnvoyMessage {
  return {
    name: PASSTHROUGH_CLUSTER,
    type: 'ORIGINAL_DST',
    lb_policy: 'CLUSTER_PROVIDED',
    connect_timeout: { seconds: '10', nanos: 0 },
    original_dst_lb_config: { use_http_header: true },
  };
}
