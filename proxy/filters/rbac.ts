import { BlockList, isIPv6 } from 'node:net';
import type { XdsMessage } from '../../lib/xds';
import { compileHeaderMatcher } from '../config/route-table';
import { compileStringMatcher, type StringPredicate } from '../config/string-matcher';
import { ConfigError, ErrorCode } from '../errors';
import type { Filter } from '../http/filter';
import type { ProxyRequest } from '../http/proxy-request';
import { ResponseFlag } from '../http/response-flags';
import { perRouteConfig } from './per-route';

type RequestPredicate = (req: ProxyRequest) => boolean;

/**
 * A compiled envoy.config.rbac.v3.RBAC rule set. `undefined` rules disable the filter; an ALLOW
 * action with no policies denies everything, a DENY action with none allows everything.
 */
export class RbacConfig {
  constructor(
    readonly action: 'ALLOW' | 'DENY' | 'LOG' | undefined,
    readonly policies: readonly { readonly name: string; readonly matches: RequestPredicate }[],
  ) {}

  /** The name of the policy that matched, or undefined. */
  matchingPolicy(req: ProxyRequest): string | undefined {
    return this.policies.find((policy) => policy.matches(req))?.name;
  }

  allows(req: ProxyRequest): boolean {
    switch (this.action) {
      case undefined:
      case 'LOG':
        return true;
      case 'ALLOW':
        return this.matchingPolicy(req) !== undefined;
      case 'DENY':
        return this.matchingPolicy(req) === undefined;
    }
  }
}

export function compileRbac(message: XdsMessage, resource: string): RbacConfig {
  const rules = message['rules'] as XdsMessage | undefined;
  if (!rules) return new RbacConfig(undefined, []);
  const policies = Object.entries((rules['policies'] as Record<string, XdsMessage> | undefined) ?? {}).map(([name, policy]) => {
    const where = `${resource} policy ${name}`;
    if (policy['condition'] || policy['checked_condition']) throw new ConfigError(where, 'CEL conditions are not supported');
    const permissions = ((policy['permissions'] as XdsMessage[] | undefined) ?? []).map((p) => compilePermission(p, where));
    const principals = ((policy['principals'] as XdsMessage[] | undefined) ?? []).map((p) => compilePrincipal(p, where));
    return { name, matches: (req: ProxyRequest) => permissions.some((m) => m(req)) && principals.some((m) => m(req)) };
  });
  return new RbacConfig(String(rules['action'] ?? 'ALLOW') as RbacConfig['action'], policies);
}

/** RBACPerRoute: `{ rbac }` overrides the listener's rules; without `rbac` the filter is off for the route. */
export function compileRbacPerRoute(message: XdsMessage, resource: string): RbacConfig {
  const rbac = message['rbac'] as XdsMessage | undefined;
  return rbac ? compileRbac(rbac, resource) : new RbacConfig(undefined, []);
}

function cidr(message: XdsMessage, resource: string): RequestPredicate {
  const prefix = String(message['address_prefix'] ?? '');
  const type = isIPv6(prefix) ? 'ipv6' : 'ipv4';
  const length = (message['prefix_len'] as { value?: number } | undefined)?.value ?? (type === 'ipv6' ? 128 : 32);
  const list = new BlockList();
  try {
    list.addSubnet(prefix, length, type);
  } catch (error) {
    throw new ConfigError(resource, `invalid CIDR ${prefix}/${length}: ${(error as Error).message}`);
  }
  return (req) => {
    const address = req.downstream.remoteAddress.replace(/^::ffff:/, '');
    return list.check(address, isIPv6(address) ? 'ipv6' : 'ipv4');
  };
}

function urlPath(message: XdsMessage, resource: string): RequestPredicate {
  const matcher = compileStringMatcher((message['path'] ?? {}) as never, resource);
  return (req) => matcher(req.pathname);
}

function all(list: RequestPredicate[]): RequestPredicate {
  return (req) => list.every((m) => m(req));
}

function any(list: RequestPredicate[]): RequestPredicate {
  return (req) => list.some((m) => m(req));
}

function compilePermission(message: XdsMessage, resource: string): RequestPredicate {
  switch (message['rule']) {
    case 'any':
      return () => true;
    case 'and_rules':
      return all((((message['and_rules'] as XdsMessage)['rules'] as XdsMessage[]) ?? []).map((r) => compilePermission(r, resource)));
    case 'or_rules':
      return any((((message['or_rules'] as XdsMessage)['rules'] as XdsMessage[]) ?? []).map((r) => compilePermission(r, resource)));
    case 'not_rule': {
      const inner = compilePermission(message['not_rule'] as XdsMessage, resource);
      return (req) => !inner(req);
    }
    case 'header':
      return compileHeaderMatcher(message['header'] as XdsMessage, resource);
    case 'url_path':
      return urlPath(message['url_path'] as XdsMessage, resource);
    case 'destination_port': {
      const port = Number(message['destination_port']);
      return (req) => req.downstream.localPort === port;
    }
    default:
      throw new ConfigError(resource, `unsupported RBAC permission ${String(message['rule'] ?? '(none)')}`);
  }
}

function compilePrincipal(message: XdsMessage, resource: string): RequestPredicate {
  switch (message['identifier']) {
    case 'any':
      return () => true;
    case 'and_ids':
      return all((((message['and_ids'] as XdsMessage)['ids'] as XdsMessage[]) ?? []).map((r) => compilePrincipal(r, resource)));
    case 'or_ids':
      return any((((message['or_ids'] as XdsMessage)['ids'] as XdsMessage[]) ?? []).map((r) => compilePrincipal(r, resource)));
    case 'not_id': {
      const inner = compilePrincipal(message['not_id'] as XdsMessage, resource);
      return (req) => !inner(req);
    }
    case 'authenticated': {
      const name = (message['authenticated'] as XdsMessage)['principal_name'] as XdsMessage | undefined;
      // Without principal_name, any peer with a verified certificate matches.
      const matcher: StringPredicate = name ? compileStringMatcher(name as never, resource) : () => true;
      return (req) => req.downstream.peerIdentity !== undefined && matcher(req.downstream.peerIdentity);
    }
    case 'source_ip':
    case 'direct_remote_ip':
    case 'remote_ip':
      return cidr(message[message['identifier']] as XdsMessage, resource);
    case 'header':
      return compileHeaderMatcher(message['header'] as XdsMessage, resource);
    case 'url_path':
      return urlPath(message['url_path'] as XdsMessage, resource);
    case 'metadata':
      return compileClaimMatcher(message['metadata'] as XdsMessage, resource);
    default:
      throw new ConfigError(resource, `unsupported RBAC principal ${String(message['identifier'] ?? '(none)')}`);
  }
}

/**
 * Metadata principals as Istio writes them for request principals and JWT claims: filter
 * envoy.filters.http.jwt_authn, path [<payload key>, claim, …]. The claims come from jwt_authn.
 */
function compileClaimMatcher(message: XdsMessage, resource: string): RequestPredicate {
  if (message['filter'] !== 'envoy.filters.http.jwt_authn') {
    throw new ConfigError(resource, `metadata principal for filter ${String(message['filter'])} is not supported`);
  }
  const path = ((message['path'] as XdsMessage[] | undefined) ?? []).map((segment) => String(segment['key'])).slice(1);
  const value = compileValueMatcher((message['value'] ?? {}) as XdsMessage, resource);
  const invert = message['invert'] === true;
  return (req) => {
    let current: unknown = req.jwtPayload;
    for (const key of path) current = current && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
    return value(current) !== invert;
  };
}

function compileValueMatcher(message: XdsMessage, resource: string): (value: unknown) => boolean {
  switch (message['match_pattern']) {
    case 'string_match': {
      const matcher = compileStringMatcher(message['string_match'] as never, resource);
      return (value) => typeof value === 'string' && matcher(value);
    }
    case 'present_match':
      return (value) => value !== undefined;
    case 'or_match': {
      const any = (((message['or_match'] as XdsMessage)['value_matchers'] as XdsMessage[]) ?? []).map((m) => compileValueMatcher(m, resource));
      return (value) => any.some((matches) => matches(value));
    }
    case 'list_match': {
      const inner = compileValueMatcher(((message['list_match'] as XdsMessage)['one_of'] ?? {}) as XdsMessage, resource);
      return (value) => Array.isArray(value) && value.some(inner);
    }
    default:
      throw new ConfigError(resource, `unsupported metadata value matcher ${String(message['match_pattern'] ?? '(none)')}`);
  }
}

/** envoy.filters.http.rbac. Several instances chain (DENY first, then ALLOW), giving Envoy/Istio order. */
export function rbacFilter(name: string, listenerConfig: RbacConfig): Filter {
  return (next) => async (req, res) => {
    const config = perRouteConfig(req, name, RbacConfig) ?? listenerConfig;
    if (config.allows(req)) return next(req, res);
    req.flags.add(ResponseFlag.RbacDenied);
    res.localReply(403, ErrorCode.RbacDenied, 'RBAC: access denied');
  };
}
