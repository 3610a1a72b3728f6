import { TypeUrl } from '../xds';
import { gatewayAttachments, type GatewayAttachment, type MeshModel, type Resolved } from '../model';
import { tlsSecretSdsName } from '../naming';
import type { GatewayListener } from '../api';
import { whereOf, type TranslationContext } from './context';
import { translateDestination, type DestinationMemo } from './destination-memo';
import { clusterNameOf, externalServicePorts, meshServicePorts, type OutboundService } from './destinations';
import type { EnvoyMessage, ProxyResources } from './envoy-types';
import { faultFilterConfig } from './fault';
import { jwtAuthn } from './jwt-authn';
import { tokenBucketConfig } from './local-rate-limit';
import { ADS, socketAddress } from './proto-values';
import { rbacFilters } from './rbac';
import { FilterName, gatewayListenerName, SDS_DEFAULT, SDS_ROOT_CA } from './resource-names';
import { defaultRouteAction } from './route-action';
import { routesOf } from './route-configurations';
import { effectiveTelemetry, telemetryFields } from './telemetry';
import { downstreamMtlsSocket } from './tls-contexts';

const ANY_ADDRESS = '0.0.0.0';

/** A `kubernetes.io/tls` Secret a gateway serves: where it lives and its SDS name. */
export interface GatewaySecretRef {
  readonly namespace: string;
  readonly name: string;
  readonly sdsName: string;
}

/** The TLS Secrets a set of listeners serve, once each, in the order they name them. */
function secretRefsOf(gateway: Resolved<'MeshGateway'>, listeners: readonly GatewayListener[]): GatewaySecretRef[] {
  const refs = new Map<string, GatewaySecretRef>();
  for (const listener of listeners) {
    for (const certificate of listener.tls?.certificates ?? []) {
      const namespace = certificate.namespace ?? gateway.metadata.namespace;
      const sdsName = tlsSecretSdsName(namespace, certificate.secretName);
      refs.set(sdsName, { namespace, name: certificate.secretName, sdsName });
    }
  }
  return [...refs.values()];
}

/** The TLS Secrets a gateway's listeners serve that are at hand: what the controller sends it over SDS. */
export function gatewaySecretRefs(model: MeshModel, gateway: Resolved<'MeshGateway'>): GatewaySecretRef[] {
  return secretRefsOf(gateway, gateway.spec.listeners).filter((ref) => model.hasTlsSecret(ref.namespace, ref.name));
}

/**
 * The certificates a port serves: those of its listeners whose Secret is at hand. A missing one is
 * reported and left out, so the port goes on serving the others (a proxy would otherwise wait for
 * it and refuse every TLS connection); a port left with none gets no listener.
 */
function servedSecrets(ctx: TranslationContext, gateway: Resolved<'MeshGateway'>, listeners: readonly GatewayListener[]): string[] {
  return secretRefsOf(gateway, listeners).flatMap((ref) => {
    if (ctx.model.hasTlsSecret(ref.namespace, ref.name)) return [ref.sdsName];
    const i = gateway.spec.listeners.findIndex((l) => l.tls?.certificates.some((c) => c.secretName === ref.name && (c.namespace ?? gateway.metadata.namespace) === ref.namespace));
    ctx.issues.add({
      code: 'MISSING_SECRET',
      severity: 'rejected',
      where: whereOf(gateway),
      field: `spec.listeners[${i}].tls.certificates`,
      message: `names Secret ${ref.namespace}/${ref.name}, which the controller does not have (a Secret of type kubernetes.io/tls with tls.crt and tls.key); the port serves its other certificates, if any`,
    });
    return [];
  });
}

/** The MeshGateway a gateway proxy runs, or undefined with an issue. */
export function gatewayOfProxy(ctx: TranslationContext): Resolved<'MeshGateway'> | undefined {
  const { proxy } = ctx;
  const gateway = ctx.model.gateway(proxy.namespace, proxy.gateway!);
  if (!gateway) {
    ctx.issues.add({
      code: 'UNKNOWN_GATEWAY',
      severity: 'rejected',
      where: `proxy ${proxy.id}`,
      field: 'node.metadata.GATEWAY',
      message: `names ${proxy.namespace}/${proxy.gateway}, which is not a MeshGateway; the proxy gets no listeners`,
    });
  }
  return gateway;
}

/** An HTTP destination standing for a gateway route's host: what backends without a port or host resolve against. */
function routeOwner(route: Resolved<'GatewayRoute'>, host: string, port: number): OutboundService {
  return { where: whereOf(route), namespace: route.metadata.namespace, name: '', host, port, protocol: 'http', domains: [] };
}

/** Every port of every service the gateway's routes (backends and mirrors) and egress hosts name. */
function gatewayDestinations(ctx: TranslationContext, attachments: readonly GatewayAttachment[], egress: readonly Resolved<'ExternalService'>[]): OutboundService[] {
  const named = new Map<string, OutboundService[]>();
  for (const { route } of attachments) {
    for (const rule of route.spec.rules) {
      for (const ref of [...rule.backends, ...(rule.mirror ? [rule.mirror.backend] : [])]) {
        const namespace = ref.namespace ?? route.metadata.namespace;
        const key = `${namespace}/${ref.name}`;
        if (named.has(key) || ref.name === undefined) continue;
        const mesh = ctx.model.service(namespace, ref.name);
        const external = mesh ? undefined : ctx.model.externalService(namespace, ref.name);
        named.set(key, [...(mesh ? meshServicePorts(mesh) : external ? externalServicePorts(external) : [])]);
      }
    }
  }
  for (const external of egress) named.set(`${external.metadata.namespace}/${external.metadata.name}`, [...externalServicePorts(external)]);
  return [...named.values()].flat();
}

/** The ExternalServices whose calls leave through this gateway. */
function egressServices(ctx: TranslationContext, gateway: Resolved<'MeshGateway'>): Resolved<'ExternalService'>[] {
  if (gateway.spec.role !== 'Egress') return [];
  return ctx.model.all('ExternalService').filter((e) => {
    const ref = e.spec.egressGateway;
    return ref !== undefined && ref.name === gateway.metadata.name && (ref.namespace ?? e.metadata.namespace) === gateway.metadata.namespace;
  });
}

/**
 * The virtual hosts of one gateway port: per host, the rules of every route attached to a listener
 * of that port serving the host, route by route in namespace/name order (Gateway API merges routes
 * sharing a host). An egress gateway adds, for each host of an ExternalService leaving through it
 * that no route claims, a host routing to the ExternalService's first HTTP port.
 */
function virtualHostsOf(ctx: TranslationContext, port: number, attachments: readonly GatewayAttachment[], egress: readonly OutboundService[], limits: RuleLimits): EnvoyMessage[] {
  const routesByHost = new Map<string, Set<Resolved<'GatewayRoute'>>>();
  for (const attachment of attachments) {
    if (attachment.listener.port !== port) continue;
    for (const host of attachment.hosts) routesByHost.set(host, (routesByHost.get(host) ?? new Set()).add(attachment.route));
  }
  const name = gatewayListenerName(port);
  const hosts: EnvoyMessage[] = [...routesByHost.entries()].map(([host, routes]) => ({
    name: `${name}/${host}`,
    domains: [host],
    routes: [...routes].flatMap((route) => routesOf(ctx, routeOwner(route, host, port), route.spec.rules, whereOf(route)).map((r) => limited(r, limits))),
  }));
  const claimed = new Set(routesByHost.keys());
  for (const destination of egress) {
    if (destination.protocol !== 'http' || claimed.has(destination.host)) continue;
    claimed.add(destination.host);
    hosts.push({
      name: `${name}/${destination.host}`,
      domains: [destination.host],
      routes: [{ name: 'default', match: { prefix: '/' }, ...defaultRouteAction(ctx, destination, clusterNameOf(destination)) }],
    });
  }
  return hosts.sort((a, b) => String(a['name']).localeCompare(String(b['name'])));
}

/** The RateLimits that name a rule (`spec.route`) of the gateway's routes, by rule name; a later one wins. */
type RuleLimits = ReadonlyMap<string, Resolved<'RateLimit'>>;

/** A route of a rule a RateLimit names, with that limit's own bucket in its per-filter config. */
function limited(route: EnvoyMessage, limits: RuleLimits): EnvoyMessage {
  const limit = limits.get(String(route['name']));
  if (!limit) return route;
  const perFilter = (route['typed_per_filter_config'] as EnvoyMessage | undefined) ?? {};
  return { ...route, typed_per_filter_config: { ...perFilter, [FilterName.LocalRateLimit]: tokenBucketConfig(limit, `gateway_rule_${limit.spec.route}`) } };
}

/**
 * The gateway's local_ratelimit filter: the bucket of the gateway-wide RateLimit (the last, as on a
 * workload), or none when only rules are limited (their routes carry their buckets).
 */
function rateLimitFilter(limits: readonly Resolved<'RateLimit'>[], byRule: RuleLimits): EnvoyMessage | undefined {
  const gatewayWide = limits.filter((l) => l.spec.route === undefined).at(-1);
  if (gatewayWide) return { name: FilterName.LocalRateLimit, typed_config: tokenBucketConfig(gatewayWide, 'gateway_local_rate_limit') };
  return byRule.size > 0 ? { name: FilterName.LocalRateLimit, typed_config: { '@type': TypeUrl.LocalRateLimit, stat_prefix: 'gateway_local_rate_limit' } } : undefined;
}

/**
 * How a port's connections are taken: HTTPS terminates TLS with every certificate its listeners
 * name, chosen by SNI; an egress gateway's HTTP port takes the mesh's mTLS (its callers are
 * sidecars, whose identity its AccessPolicies check); an ingress HTTP port is plaintext.
 */
function transportOf(ctx: TranslationContext, gateway: Resolved<'MeshGateway'>, listeners: readonly GatewayListener[]): EnvoyMessage | undefined {
  if (listeners[0]!.protocol === 'HTTPS') {
    const secrets = servedSecrets(ctx, gateway, listeners);
    if (secrets.length === 0) return undefined;
    return {
      transport_socket: {
        name: FilterName.TlsTransportSocket,
        typed_config: {
          '@type': TypeUrl.DownstreamTlsContext,
          common_tls_context: {
            tls_certificate_sds_secret_configs: secrets.map((name) => ({ name, sds_config: ADS })),
            alpn_protocols: ['h2', 'http/1.1'],
          },
        },
      },
    };
  }
  return gateway.spec.role === 'Egress' ? { transport_socket: downstreamMtlsSocket() } : {};
}

/**
 * Everything a gateway proxy is sent: a listener and a route configuration per port of its
 * MeshGateway (hosts matched without the port: `strip_any_host_port`, so a listener bound on
 * another port in local mode serves the same hosts), the policies that name the gateway as HTTP
 * filters (a RateLimit naming a rule limits the routes of the rules of that name, each with its
 * own bucket), and the clusters of the services its routes name, over mesh mTLS with its own identity.
 */
export function translateGatewayProxy(ctx: TranslationContext, memo: DestinationMemo | undefined): ProxyResources {
  const gateway = gatewayOfProxy(ctx);
  if (!gateway) return { listeners: [], routeConfigurations: [], virtualHosts: [], clusters: [], clusterLoadAssignments: [], secretNames: [SDS_DEFAULT, SDS_ROOT_CA] };
  const { attached } = gatewayAttachments(ctx.model, gateway);
  const egress = egressServices(ctx, gateway);
  const destinations = gatewayDestinations(ctx, attached, egress);
  const outputs = destinations.map((d) => translateDestination(ctx, d, memo));
  const egressDestinations = destinations.filter((d) => d.external && egress.includes(d.external));
  const { model } = ctx;
  const jwt = jwtAuthn(model.policiesForGateway('JwtPolicy', gateway));
  const limits = model.policiesForGateway('RateLimit', gateway);
  const byRule: RuleLimits = new Map(limits.flatMap((l) => (l.spec.route !== undefined ? [[l.spec.route, l] as const] : [])));
  const rateLimit = rateLimitFilter(limits, byRule);
  const telemetry = telemetryFields(effectiveTelemetry(model.policiesForGateway('Telemetry', gateway)));
  const httpFilters = [
    ...(jwt.filter ? [jwt.filter] : []),
    ...rbacFilters(ctx, model.policiesForGateway('AccessPolicy', gateway)),
    ...(rateLimit ? [rateLimit] : []),
    { name: FilterName.Fault, typed_config: faultFilterConfig() },
    { name: FilterName.Router, typed_config: { '@type': TypeUrl.Router } },
  ];
  const byPort = new Map<number, GatewayListener[]>();
  for (const listener of gateway.spec.listeners) byPort.set(listener.port, [...(byPort.get(listener.port) ?? []), listener]);
  const ports = [...byPort.entries()].sort(([a], [b]) => a - b).flatMap(([port, onPort]) => {
    const transport = transportOf(ctx, gateway, onPort);
    return transport ? [{ port, transport }] : [];
  });
  const listeners = ports.map(({ port, transport }) => {
    const name = gatewayListenerName(port);
    const hcm = {
      '@type': TypeUrl.HttpConnectionManager,
      stat_prefix: name,
      rds: { route_config_name: name, config_source: ADS },
      strip_any_host_port: true,
      http_filters: httpFilters,
      ...telemetry.hcm,
    };
    return {
      name,
      address: socketAddress(ANY_ADDRESS, port),
      traffic_direction: 'OUTBOUND',
      filter_chains: [{ filters: [{ name: FilterName.HttpConnectionManager, typed_config: hcm }], ...transport }],
      ...telemetry.listener,
    };
  });
  return {
    listeners,
    routeConfigurations: ports.map(({ port }) => ({ name: gatewayListenerName(port), virtual_hosts: virtualHostsOf(ctx, port, attached, egressDestinations, byRule), validate_clusters: { value: false } })),
    virtualHosts: [],
    clusters: [...jwt.clusters, ...outputs.flatMap((o) => o.clusters)],
    clusterLoadAssignments: outputs.flatMap((o) => o.loadAssignments),
    secretNames: [SDS_DEFAULT, SDS_ROOT_CA, ...gatewaySecretRefs(model, gateway).map((s) => s.sdsName)],
  };
}
