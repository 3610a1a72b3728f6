import { durationToMs, XDS_CLUSTER, type Duration, type XdsMessage } from '../../lib/xds';
import { ConfigError } from '../errors';
import { fractionOf } from './fractional-percent';
import { compileHeaderMutation, NO_HEADER_MUTATION, type HeaderMutation } from './header-mutation';
import { compileRetryPolicy, type RetryPolicy } from './retry-policy';
import { compileRegex, compileStringMatcher, type StringPredicate } from './string-matcher';

/** What route matching reads of a request (ProxyRequest implements it). */
export interface RouteInput {
  readonly method: string;
  readonly pathname: string;
  readonly query: URLSearchParams;
  header(name: string): string | undefined;
}

export interface WeightedClusterEntry {
  readonly name: string;
  readonly weight: number;
  readonly requestHeaders: HeaderMutation;
  readonly responseHeaders: HeaderMutation;
}

export type HashPolicy = { readonly terminal: boolean } & (
  | { readonly kind: 'header'; readonly name: string }
  /** With a ttl, a missing cookie is generated and set on the response (Envoy's sticky sessions). */
  | { readonly kind: 'cookie'; readonly name: string; readonly ttlMs: number | undefined; readonly path: string | undefined }
  | { readonly kind: 'query'; readonly name: string }
  | { readonly kind: 'source_ip' }
);

export interface PathRewrite {
  readonly prefix?: { readonly from: string; readonly to: string };
  readonly regex?: { readonly pattern: RegExp; readonly substitution: string };
}

export interface ClusterAction {
  readonly kind: 'cluster';
  readonly clusters: readonly WeightedClusterEntry[];
  readonly totalWeight: number;
  /** 0 disables the timeout, as in Envoy. */
  readonly timeoutMs: number;
  readonly retry: RetryPolicy | undefined;
  readonly mirrors: readonly { readonly cluster: string; readonly fraction: number }[];
  readonly hashPolicies: readonly HashPolicy[];
  readonly rewrite: PathRewrite | undefined;
  readonly hostRewrite: string | undefined;
}

export interface RedirectAction {
  readonly kind: 'redirect';
  readonly status: number;
  readonly scheme?: string;
  readonly host?: string;
  readonly port?: number;
  readonly path?: string;
  readonly rewrite: PathRewrite | undefined;
  readonly stripQuery: boolean;
}

export interface DirectResponseAction {
  readonly kind: 'direct';
  readonly status: number;
  readonly body: string;
}

export type RouteAction = ClusterAction | RedirectAction | DirectResponseAction;

export interface CompiledRoute {
  readonly name: string;
  readonly matches: (request: RouteInput) => boolean;
  readonly action: RouteAction;
  readonly requestHeaders: HeaderMutation;
  readonly responseHeaders: HeaderMutation;
  /** typed_per_filter_config, compiled by the filter that owns each entry. */
  readonly perFilterConfig: ReadonlyMap<string, unknown>;
}

export interface CompiledVirtualHost {
  readonly name: string;
  readonly routes: readonly CompiledRoute[];
  readonly requestHeaders: HeaderMutation;
  readonly responseHeaders: HeaderMutation;
  readonly perFilterConfig: ReadonlyMap<string, unknown>;
}

export interface MatchedRoute {
  readonly route: CompiledRoute;
  readonly virtualHost: CompiledVirtualHost;
  readonly routeConfig: string;
}

/** Compiles the typed_per_filter_config entry of one filter (the filter registry provides it). */
export type PerFilterCompiler = (filterName: string, config: XdsMessage, resource: string) => unknown;

/** A virtual host compiled once, with the domains that select it. */
export interface RoutedHost {
  readonly host: CompiledVirtualHost;
  readonly domains: readonly string[];
}

/** A RouteConfiguration's own virtual hosts, compiled, and whether VHDS brings the others. */
export interface CompiledRouteConfiguration {
  readonly name: string;
  readonly virtualHosts: readonly RoutedHost[];
  readonly vhds: boolean;
}

/**
 * The virtual hosts of one route configuration (its own and, with VHDS, those delivered one by one)
 * indexed by domain: exact, suffix and prefix wildcards, then `*`. Only the index is built here;
 * the virtual hosts come compiled, so a change to one of them does not recompile the others.
 * Matching a request never parses config.
 */
export class RouteTable {
  private readonly exact = new Map<string, CompiledVirtualHost>();
  private readonly suffixes: { suffix: string; host: CompiledVirtualHost }[] = [];
  private readonly prefixes: { prefix: string; host: CompiledVirtualHost }[] = [];
  private fallback: CompiledVirtualHost | undefined;

  constructor(
    readonly name: string,
    readonly virtualHosts: readonly RoutedHost[],
  ) {
    for (const { host, domains } of virtualHosts) {
      for (const raw of domains) {
        const domain = raw.toLowerCase();
        if (domain === '*') this.fallback ??= host;
        else if (domain.startsWith('*')) this.suffixes.push({ suffix: domain.slice(1), host });
        else if (domain.endsWith('*')) this.prefixes.push({ prefix: domain.slice(0, -1), host });
        else {
          const other = this.exact.get(domain);
          if (other) throw new ConfigError(`route ${name}`, `domain ${domain} is in two virtual hosts (${other.name} and ${host.name})`);
          this.exact.set(domain, host);
        }
      }
    }
    // Envoy prefers the longest wildcard.
    this.suffixes.sort((a, b) => b.suffix.length - a.suffix.length);
    this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  virtualHostFor(authority: string): CompiledVirtualHost | undefined {
    const host = authority.toLowerCase();
    const exact = this.exact.get(host);
    if (exact) return exact;
    for (const { suffix, host: vh } of this.suffixes) if (host.endsWith(suffix)) return vh;
    for (const { prefix, host: vh } of this.prefixes) if (host.startsWith(prefix)) return vh;
    return this.fallback;
  }

  match(authority: string, request: RouteInput): MatchedRoute | undefined {
    const virtualHost = this.virtualHostFor(authority);
    if (!virtualHost) return undefined;
    for (const route of virtualHost.routes) {
      if (route.matches(request)) return { route, virtualHost, routeConfig: this.name };
    }
    return undefined;
  }
}

/** Compiles an RDS RouteConfiguration; its table is built with the VHDS virtual hosts it receives. */
export function compileRouteConfigurationParts(message: XdsMessage, perFilter: PerFilterCompiler): CompiledRouteConfiguration {
  const name = String(message['name'] ?? '');
  const resource = `route ${name}`;
  const hosts = (message['virtual_hosts'] as XdsMessage[] | undefined) ?? [];
  const vhds = message['vhds'] as XdsMessage | null | undefined;
  if (vhds) checkVhdsSource(vhds, resource);
  return { name, virtualHosts: hosts.map((host) => compileRoutedHost(host, `${resource} vhost ${String(host['name'])}`, perFilter)), vhds: !!vhds };
}

/** Compiles a RouteConfiguration that stands alone (an HttpConnectionManager's inline route_config). */
export function compileRouteConfiguration(message: XdsMessage, perFilter: PerFilterCompiler): RouteTable {
  const parts = compileRouteConfigurationParts(message, perFilter);
  if (parts.vhds) throw new ConfigError(`route ${parts.name}`, 'vhds is supported only in a RouteConfiguration sent by RDS, not in an inline route_config');
  return new RouteTable(parts.name, parts.virtualHosts);
}

/** Compiles one virtual host with its domains (a RouteConfiguration's, or a VHDS resource). */
export function compileRoutedHost(message: XdsMessage, resource: string, perFilter: PerFilterCompiler): RoutedHost {
  return { host: compileVirtualHost(message, resource, perFilter), domains: (message['domains'] as string[] | undefined) ?? [] };
}

/** The only VHDS source the proxy can follow: delta gRPC to the controller it already talks to. */
function checkVhdsSource(vhds: XdsMessage, resource: string): void {
  const supported = `supported: api_config_source { api_type: DELTA_GRPC, transport_api_version: V3, grpc_services: [{ envoy_grpc: { cluster_name: ${XDS_CLUSTER} } }] }, the controller`;
  const reject = (field: string, value: unknown): never => {
    throw new ConfigError(resource, `unsupported vhds.config_source.${field} ${String(value ?? '(none)')}; ${supported}`);
  };
  const source = (vhds['config_source'] as XdsMessage | null | undefined) ?? {};
  const api = source['api_config_source'] as XdsMessage | null | undefined;
  if (!api) return reject('config_source_specifier', source['config_source_specifier']);
  if (api['api_type'] !== 'DELTA_GRPC') return reject('api_config_source.api_type', api['api_type']);
  // AUTO (unset) means the current version; only V2 is gone.
  if (api['transport_api_version'] === 'V2') return reject('api_config_source.transport_api_version', 'V2');
  if (source['resource_api_version'] === 'V2') return reject('resource_api_version', 'V2');
  const services = (api['grpc_services'] as XdsMessage[] | undefined) ?? [];
  if (services.length !== 1) return reject('api_config_source.grpc_services count', services.length);
  const envoyGrpc = services[0]!['envoy_grpc'] as XdsMessage | null | undefined;
  if (!envoyGrpc) return reject('api_config_source.grpc_services[0]', services[0]!['target_specifier']);
  if (envoyGrpc['cluster_name'] !== XDS_CLUSTER) return reject('api_config_source.grpc_services[0].envoy_grpc.cluster_name', envoyGrpc['cluster_name']);
}

function compilePerFilterConfig(message: XdsMessage, resource: string, perFilter: PerFilterCompiler): ReadonlyMap<string, unknown> {
  const entries = Object.entries((message['typed_per_filter_config'] as Record<string, XdsMessage> | undefined) ?? {});
  return new Map(entries.map(([filterName, config]) => [filterName, perFilter(filterName, config, resource)]));
}

function compileVirtualHost(message: XdsMessage, resource: string, perFilter: PerFilterCompiler): CompiledVirtualHost {
  const routes = ((message['routes'] as XdsMessage[] | undefined) ?? []).map((route, index) =>
    compileRoute(route, `${resource} route ${String(route['name'] || index)}`, perFilter),
  );
  return {
    name: String(message['name'] ?? ''),
    routes,
    requestHeaders: compileHeaderMutation(message['request_headers_to_add'] as never, message['request_headers_to_remove'] as never),
    responseHeaders: compileHeaderMutation(message['response_headers_to_add'] as never, message['response_headers_to_remove'] as never),
    perFilterConfig: compilePerFilterConfig(message, resource, perFilter),
  };
}

function compileRoute(message: XdsMessage, resource: string, perFilter: PerFilterCompiler): CompiledRoute {
  const match = (message['match'] as XdsMessage | undefined) ?? {};
  return {
    name: String(message['name'] ?? ''),
    matches: compileRouteMatch(match, resource),
    action: compileAction(message, match, resource),
    requestHeaders: compileHeaderMutation(message['request_headers_to_add'] as never, message['request_headers_to_remove'] as never),
    responseHeaders: compileHeaderMutation(message['response_headers_to_add'] as never, message['response_headers_to_remove'] as never),
    perFilterConfig: compilePerFilterConfig(message, resource, perFilter),
  };
}

type RoutePredicate = (request: RouteInput) => boolean;

/** Compiles an envoy.config.route.v3.RouteMatch (also used by jwt_authn rules). */
export function compileRouteMatch(match: XdsMessage, resource: string): RoutePredicate {
  const caseSensitive = (match['case_sensitive'] as { value?: boolean } | undefined)?.value ?? true;
  const fold = (value: string) => (caseSensitive ? value : value.toLowerCase());
  const predicates: RoutePredicate[] = [];
  switch (match['path_specifier']) {
    case 'prefix': {
      const prefix = fold(String(match['prefix']));
      if (prefix) predicates.push((r) => fold(r.pathname).startsWith(prefix));
      break;
    }
    case 'path': {
      const path = fold(String(match['path']));
      predicates.push((r) => fold(r.pathname) === path);
      break;
    }
    case 'safe_regex': {
      const regex = compileRegex((match['safe_regex'] as { regex?: string }).regex, resource);
      predicates.push((r) => regex.test(r.pathname));
      break;
    }
    case 'path_separated_prefix': {
      const prefix = fold(String(match['path_separated_prefix']));
      predicates.push((r) => {
        const path = fold(r.pathname);
        return path === prefix || path.startsWith(`${prefix}/`);
      });
      break;
    }
    default:
      throw new ConfigError(resource, `unsupported path specifier ${String(match['path_specifier'] ?? '(none)')}`);
  }
  for (const header of (match['headers'] as XdsMessage[] | undefined) ?? []) {
    predicates.push(compileHeaderMatcher(header, resource));
  }
  for (const param of (match['query_parameters'] as XdsMessage[] | undefined) ?? []) {
    predicates.push(compileQueryMatcher(param, resource));
  }
  if (match['grpc']) predicates.push((r) => (r.header('content-type') ?? '').startsWith('application/grpc'));
  const fraction = match['runtime_fraction'] as { default_value?: { numerator?: number; denominator?: string } } | undefined;
  if (fraction) {
    const probability = fractionOf(fraction.default_value, 1);
    predicates.push(() => Math.random() < probability);
  }
  if (match['dynamic_metadata'] && (match['dynamic_metadata'] as unknown[]).length > 0) {
    throw new ConfigError(resource, 'dynamic_metadata route matching is not supported');
  }
  return predicates.length === 1 ? predicates[0]! : (r) => predicates.every((p) => p(r));
}

/**
 * Compiles an envoy.config.route.v3.HeaderMatcher with Envoy's semantics for a missing header: it
 * matches only `present_match: false`, or `present_match: true` inverted.
 */
export function compileHeaderMatcher(message: XdsMessage, resource: string): RoutePredicate {
  const name = String(message['name'] ?? '').toLowerCase();
  const invert = message['invert_match'] === true;
  const missingAsEmpty = message['treat_missing_header_as_empty'] === true;
  const kind = message['header_match_specifier'] as string | undefined;
  const present = message['present_match'] === true;
  const test = headerValuePredicate(message, kind, resource);
  return (request) => {
    let value = request.header(name);
    if (value === undefined) {
      if (!missingAsEmpty) return kind === 'present_match' && present === invert;
      value = '';
    }
    return test(value) !== invert;
  };
}

function headerValuePredicate(message: XdsMessage, kind: string | undefined, resource: string): StringPredicate {
  switch (kind) {
    case undefined:
      // No specifier: the header must be present (any value).
      return () => true;
    case 'present_match': {
      const present = message['present_match'] === true;
      return () => present;
    }
    case 'exact_match':
      return (value) => value === message['exact_match'];
    case 'prefix_match':
      return (value) => value.startsWith(String(message['prefix_match']));
    case 'suffix_match':
      return (value) => value.endsWith(String(message['suffix_match']));
    case 'contains_match':
      return (value) => value.includes(String(message['contains_match']));
    case 'safe_regex_match': {
      const regex = compileRegex((message['safe_regex_match'] as { regex?: string }).regex, resource);
      return (value) => regex.test(value);
    }
    case 'string_match':
      return compileStringMatcher(message['string_match'] as never, resource);
    case 'range_match': {
      const range = message['range_match'] as { start?: string; end?: string };
      const start = Number(range.start ?? 0);
      const end = Number(range.end ?? 0);
      return (value) => /^-?\d+$/.test(value) && Number(value) >= start && Number(value) < end;
    }
    default:
      throw new ConfigError(resource, `unsupported header matcher ${kind}`);
  }
}

function compileQueryMatcher(message: XdsMessage, resource: string): RoutePredicate {
  const name = String(message['name'] ?? '');
  if (message['query_parameter_match_specifier'] === 'string_match') {
    const test = compileStringMatcher(message['string_match'] as never, resource);
    return (request) => {
      const value = request.query.get(name);
      return value !== null && test(value);
    };
  }
  return (request) => request.query.has(name);
}

const REDIRECT_CODES: Record<string, number> = {
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  TEMPORARY_REDIRECT: 307,
  PERMANENT_REDIRECT: 308,
};

const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

function compileAction(message: XdsMessage, match: XdsMessage, resource: string): RouteAction {
  switch (message['action']) {
    case 'route':
      return compileClusterAction(message['route'] as XdsMessage, match, resource);
    case 'redirect': {
      const redirect = message['redirect'] as XdsMessage;
      const scheme = redirect['https_redirect'] ? 'https' : (redirect['scheme_redirect'] as string | undefined) || undefined;
      return {
        kind: 'redirect',
        status: REDIRECT_CODES[String(redirect['response_code'] ?? 'MOVED_PERMANENTLY')] ?? 301,
        ...(scheme ? { scheme } : {}),
        ...(redirect['host_redirect'] ? { host: String(redirect['host_redirect']) } : {}),
        ...(redirect['port_redirect'] ? { port: Number(redirect['port_redirect']) } : {}),
        ...(redirect['path_redirect'] ? { path: String(redirect['path_redirect']) } : {}),
        rewrite: compileRewrite(redirect, match, resource),
        stripQuery: redirect['strip_query'] === true,
      };
    }
    case 'direct_response': {
      const direct = message['direct_response'] as XdsMessage;
      const body = direct['body'] as { inline_string?: string; inline_bytes?: Uint8Array } | undefined;
      return {
        kind: 'direct',
        status: Number(direct['status']),
        body: body?.inline_string ?? (body?.inline_bytes ? Buffer.from(body.inline_bytes).toString() : ''),
      };
    }
    default:
      throw new ConfigError(resource, `unsupported route action ${String(message['action'] ?? '(none)')}`);
  }
}

function compileRewrite(action: XdsMessage, match: XdsMessage, resource: string): PathRewrite | undefined {
  if (action['prefix_rewrite']) {
    if (match['path_specifier'] !== 'prefix' && match['path_specifier'] !== 'path' && match['path_specifier'] !== 'path_separated_prefix') {
      throw new ConfigError(resource, 'prefix_rewrite needs a prefix or path match');
    }
    const from = String(match[match['path_specifier'] as string]);
    return { prefix: { from, to: String(action['prefix_rewrite']) } };
  }
  const regexRewrite = action['regex_rewrite'] as { pattern?: { regex?: string }; substitution?: string } | undefined;
  if (regexRewrite) {
    const source = regexRewrite.pattern?.regex;
    if (source === undefined) throw new ConfigError(resource, 'regex_rewrite without a pattern');
    let pattern: RegExp;
    try {
      pattern = new RegExp(source, 'g');
    } catch (error) {
      throw new ConfigError(resource, `invalid regex_rewrite pattern: ${(error as Error).message}`);
    }
    // RE2 substitutions use \1; JavaScript's replace uses $1.
    return { regex: { pattern, substitution: (regexRewrite.substitution ?? '').replace(/\\(\d)/g, '$$$1') } };
  }
  return undefined;
}

function compileClusterAction(route: XdsMessage, match: XdsMessage, resource: string): ClusterAction {
  let clusters: WeightedClusterEntry[];
  switch (route['cluster_specifier']) {
    case 'cluster':
      clusters = [{ name: String(route['cluster']), weight: 1, requestHeaders: NO_HEADER_MUTATION, responseHeaders: NO_HEADER_MUTATION }];
      break;
    case 'weighted_clusters': {
      const weighted = route['weighted_clusters'] as { clusters?: XdsMessage[] };
      clusters = (weighted.clusters ?? []).map((cluster) => ({
        name: String(cluster['name']),
        weight: (cluster['weight'] as { value?: number } | undefined)?.value ?? 0,
        requestHeaders: compileHeaderMutation(cluster['request_headers_to_add'] as never, cluster['request_headers_to_remove'] as never),
        responseHeaders: compileHeaderMutation(cluster['response_headers_to_add'] as never, cluster['response_headers_to_remove'] as never),
      }));
      break;
    }
    default:
      throw new ConfigError(resource, `unsupported cluster specifier ${String(route['cluster_specifier'] ?? '(none)')}`);
  }
  const totalWeight = clusters.reduce((sum, cluster) => sum + cluster.weight, 0);
  if (totalWeight <= 0) throw new ConfigError(resource, 'weighted clusters add up to zero');
  const retry = route['retry_policy'] ? compileRetryPolicy(route['retry_policy'] as never, resource) : undefined;
  const mirrors = ((route['request_mirror_policies'] as XdsMessage[] | undefined) ?? []).map((mirror) => ({
    cluster: String(mirror['cluster']),
    fraction: fractionOf((mirror['runtime_fraction'] as { default_value?: never } | undefined)?.default_value, 1),
  }));
  return {
    kind: 'cluster',
    clusters,
    totalWeight,
    timeoutMs: durationToMs(route['timeout'] as Duration | undefined) ?? DEFAULT_ROUTE_TIMEOUT_MS,
    retry,
    mirrors,
    hashPolicies: ((route['hash_policy'] as XdsMessage[] | undefined) ?? []).map((policy) => compileHashPolicy(policy, resource)),
    rewrite: compileRewrite(route, match, resource),
    hostRewrite: (route['host_rewrite_literal'] as string | undefined) || undefined,
  };
}

function compileHashPolicy(message: XdsMessage, resource: string): HashPolicy {
  const terminal = message['terminal'] === true;
  switch (message['policy_specifier']) {
    case 'header':
      return { kind: 'header', name: String((message['header'] as XdsMessage)['header_name']).toLowerCase(), terminal };
    case 'cookie': {
      const cookie = message['cookie'] as XdsMessage;
      return {
        kind: 'cookie',
        name: String(cookie['name']),
        ttlMs: durationToMs(cookie['ttl'] as Duration | undefined),
        path: (cookie['path'] as string | undefined) || undefined,
        terminal,
      };
    }
    case 'query_parameter':
      return { kind: 'query', name: String((message['query_parameter'] as XdsMessage)['name']), terminal };
    case 'connection_properties':
      return { kind: 'source_ip', terminal };
    default:
      throw new ConfigError(resource, `unsupported hash policy ${String(message['policy_specifier'] ?? '(none)')}`);
  }
}
