import type { SpecOf } from '../api';
import { trafficPolicyFor, type TranslationContext } from './context';
import { resolveBackend, type OutboundService } from './destinations';
import type { EnvoyMessage } from './envoy-types';
import { hashPolicies } from './load-balancer';
import { duration, fractionalPercent, wrapped } from './proto-values';
import { envoyRetryPolicy } from './retry-policy';

export type RouteRule = SpecOf<'TrafficRoute'>['rules'][number];

const REDIRECT_CODE: Record<number, string> = {
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

/** Envoy's default route timeout is 15 s; a mesh route without one has none (as Istio does), so streams live. */
const NO_TIMEOUT = { seconds: '0', nanos: 0 };

/**
 * The port a redirect names. A gateway whose listeners are bound elsewhere than their ports (local
 * mode: 443 at 10443) sends clients to where its own listener for the target port really is, so an
 * HTTP→HTTPS redirect can be followed; elsewhere the port as written (unset: the scheme's).
 */
function redirectPort(ctx: TranslationContext, r: NonNullable<RouteRule['redirect']>): number | undefined {
  const target = r.port ?? (r.scheme === 'https' ? 443 : r.scheme === 'http' ? 80 : undefined);
  const bound = ctx.proxy.kind === 'gateway' && target !== undefined ? ctx.proxy.outboundPorts?.get(target) : undefined;
  return bound ?? r.port;
}

/**
 * What a matched rule does, as the Envoy route fields beside `match`: a `route` (one cluster or
 * `weighted_clusters`), a `redirect` or a `direct_response`. Undefined when none of its backends
 * exists; the issues say why.
 */
export function envoyRouteAction(ctx: TranslationContext, owner: OutboundService, rule: RouteRule, where: string, field: string): EnvoyMessage | undefined {
  if (rule.redirect) {
    const r = rule.redirect;
    const port = redirectPort(ctx, r);
    return {
      redirect: {
        ...(r.scheme ? { scheme_redirect: r.scheme } : {}),
        ...(r.host ? { host_redirect: r.host } : {}),
        ...(port ? { port_redirect: port } : {}),
        ...(r.path ? { path_redirect: r.path } : {}),
        response_code: REDIRECT_CODE[r.statusCode],
      },
    };
  }
  if (rule.directResponse) {
    const { status, body } = rule.directResponse;
    return { direct_response: { status, ...(body !== undefined ? { body: { inline_string: body } } : {}) } };
  }
  const backends = rule.backends
    .map((b, i) => ({ cluster: resolveBackend(ctx, owner, b, where, `${field}.backends[${i}]`), weight: b.weight }))
    .filter((b): b is { cluster: string; weight: number } => b.cluster !== undefined);
  if (backends.length === 0) return undefined;
  const route: EnvoyMessage =
    backends.length === 1
      ? { cluster: backends[0]!.cluster }
      : { weighted_clusters: { clusters: backends.map((b) => ({ name: b.cluster, weight: wrapped(b.weight) })) } };
  if (rule.timeout) {
    route['timeout'] = duration(rule.timeout);
    // gRPC clients read the deadline from max_stream_duration, not from timeout.
    route['max_stream_duration'] = { max_stream_duration: duration(rule.timeout) };
  } else {
    route['timeout'] = NO_TIMEOUT;
  }
  if (rule.retry) route['retry_policy'] = envoyRetryPolicy(rule.retry);
  if (rule.mirror) {
    const mirror = resolveBackend(ctx, owner, rule.mirror.backend, where, `${field}.mirror.backend`);
    if (mirror) route['request_mirror_policies'] = [{ cluster: mirror, runtime_fraction: { default_value: fractionalPercent(rule.mirror.percent) } }];
  }
  const firstBackend = rule.backends[0]!;
  const policy = trafficPolicyFor(ctx, firstBackend.namespace ?? owner.namespace, firstBackend.name ?? owner.name, firstBackend.version);
  const hash = hashPolicies(ctx, policy.loadBalancer?.consistentHash, policy.where ?? owner.where);
  if (hash.length > 0) route['hash_policy'] = hash;
  Object.assign(route, rewriteFields(ctx, rule, where, field));
  return { route };
}

/** The default action of a destination without a TrafficRoute: its whole-service cluster. */
export function defaultRouteAction(ctx: TranslationContext, owner: OutboundService, cluster: string): EnvoyMessage {
  const policy = trafficPolicyFor(ctx, owner.namespace, owner.name);
  const hash = hashPolicies(ctx, policy.loadBalancer?.consistentHash, policy.where ?? owner.where);
  return { route: { cluster, timeout: NO_TIMEOUT, ...(hash.length > 0 ? { hash_policy: hash } : {}) } };
}

function rewriteFields(ctx: TranslationContext, rule: RouteRule, where: string, field: string): EnvoyMessage {
  const rewrite = rule.rewrite;
  if (!rewrite) return {};
  const out: EnvoyMessage = {};
  if (rewrite.authority) out['host_rewrite_literal'] = rewrite.authority;
  if (rewrite.path?.type === 'ReplaceFullPath') {
    out['regex_rewrite'] = { pattern: { regex: '^.*$' }, substitution: rewrite.path.value };
  } else if (rewrite.path) {
    const prefixOnly = rule.matches.length > 0 && rule.matches.every((m) => m.path?.type === 'Prefix');
    if (prefixOnly) {
      out['prefix_rewrite'] = rewrite.path.value;
    } else {
      ctx.issues.add({
        code: 'APPROXIMATED',
        severity: 'rejected',
        where,
        field: `${field}.rewrite.path`,
        message: 'is ReplacePrefixMatch but not every match of the rule is a Prefix path; Envoy can only replace a matched prefix. Use ReplaceFullPath or prefix matches',
      });
    }
  }
  return out;
}
