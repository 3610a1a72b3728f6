import { TypeUrl } from '../xds';
import type { Resolved } from '../model';
import { whereOf, type TranslationContext } from './context';
import type { EnvoyMessage } from './envoy-types';
import { duration, wrapped } from './proto-values';
import { FilterName } from './resource-names';

const ALWAYS = { default_value: { numerator: 100, denominator: 'HUNDRED' }, runtime_key: 'local_rate_limit_enabled' };

/**
 * The local token bucket of a workload's inbound requests. The most specific RateLimit wins (a
 * service's over its namespace's over the mesh's). A limit scoped to one route rule is refused:
 * rules live on the callers' outbound routes, and a per-caller bucket would multiply the limit.
 */
export function localRateLimit(ctx: TranslationContext, policies: readonly Resolved<'RateLimit'>[]): EnvoyMessage | undefined {
  const workloadWide = policies.filter((p) => {
    if (p.spec.route === undefined) return true;
    ctx.issues.add({
      code: 'APPROXIMATED',
      severity: 'rejected',
      where: whereOf(p),
      field: 'spec.route',
      message: `limits only rule "${p.spec.route}", which the destination's inbound side cannot tell apart; remove route to limit the whole workload`,
    });
    return false;
  });
  const winner = workloadWide.at(-1);
  return winner ? { name: FilterName.LocalRateLimit, typed_config: tokenBucketConfig(winner, 'inbound_local_rate_limit') } : undefined;
}

/** A RateLimit's bucket as a LocalRateLimit config: the HCM filter's, or a route's `typed_per_filter_config`. */
export function tokenBucketConfig(limit: Resolved<'RateLimit'>, statPrefix: string): EnvoyMessage {
  const { local, response } = limit.spec;
  return {
    '@type': TypeUrl.LocalRateLimit,
    stat_prefix: statPrefix,
    status: { code: response.status },
    token_bucket: { max_tokens: local.tokens, tokens_per_fill: wrapped(local.tokensPerFill ?? local.tokens), fill_interval: duration(local.fillInterval) },
    filter_enabled: ALWAYS,
    filter_enforced: ALWAYS,
    response_headers_to_add: Object.entries(response.headers).map(([key, value]) => ({ header: { key, value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' })),
  };
}
