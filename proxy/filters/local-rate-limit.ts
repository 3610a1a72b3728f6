import { durationToMs, xdsRoot, type Duration, type XdsMessage } from '../../lib/xds';
import { fractionOf } from '../config/fractional-percent';
import { compileHeaderMutation, type HeaderMutation } from '../config/header-mutation';
import { ConfigError, ErrorCode } from '../errors';
import type { Filter } from '../http/filter';
import { ResponseFlag } from '../http/response-flags';
import { perRouteConfig } from './per-route';
import { TokenBucket } from './token-bucket';

/** A compiled LocalRateLimit with its bucket; the bucket lives as long as the config is unchanged. */
export class LocalRateLimitConfig {
  constructor(
    readonly bucket: TokenBucket | undefined,
    readonly enabled: number,
    readonly enforced: number,
    readonly status: number,
    readonly responseHeaders: HeaderMutation,
  ) {}
}

export function compileLocalRateLimit(message: XdsMessage, resource: string): LocalRateLimitConfig {
  const bucket = message['token_bucket'] as XdsMessage | undefined;
  const fraction = (field: string) => fractionOf((message[field] as { default_value?: never } | undefined)?.default_value, 0);
  let tokenBucket: TokenBucket | undefined;
  if (bucket) {
    const fillIntervalMs = durationToMs(bucket['fill_interval'] as Duration | undefined) ?? 0;
    if (fillIntervalMs <= 0) throw new ConfigError(resource, 'token_bucket.fill_interval must be positive');
    const maxTokens = Number(bucket['max_tokens'] ?? 0);
    tokenBucket = new TokenBucket(maxTokens, (bucket['tokens_per_fill'] as { value?: number } | undefined)?.value ?? 1, fillIntervalMs);
  }
  return new LocalRateLimitConfig(
    tokenBucket,
    // As in Envoy, the filter only acts where filter_enabled (and, to refuse, filter_enforced) say so.
    message['filter_enabled'] ? fraction('filter_enabled') : 0,
    message['filter_enforced'] ? fraction('filter_enforced') : 0,
    (message['status'] as { code?: string | number } | undefined)?.code ? httpStatus(message['status']) : 429,
    compileHeaderMutation(message['response_headers_to_add'] as never, undefined),
  );
}

/** envoy.type.v3.HttpStatus carries an enum whose names are reason phrases (TooManyRequests = 429). */
function httpStatus(status: unknown): number {
  const code = (status as { code: string | number }).code;
  if (typeof code === 'number') return code;
  return xdsRoot().lookupEnum('envoy.type.v3.StatusCode').values[code] ?? 429;
}

/** envoy.filters.http.local_ratelimit: a token bucket per listener, or per route when configured there. */
export function localRateLimitFilter(name: string, listenerConfig: LocalRateLimitConfig): Filter {
  return (next) => async (req, res) => {
    const config = perRouteConfig(req, name, LocalRateLimitConfig) ?? listenerConfig;
    if (!config.bucket || config.enabled <= 0 || (config.enabled < 1 && Math.random() >= config.enabled)) return next(req, res);
    if (config.bucket.tryTake()) return next(req, res);
    if (config.enforced <= 0 || (config.enforced < 1 && Math.random() >= config.enforced)) return next(req, res);
    req.flags.add(ResponseFlag.RateLimited);
    const headers: Record<string, string> = {};
    for (const { name: header, value } of config.responseHeaders.add) headers[header] = value;
    res.localReply(config.status, ErrorCode.RateLimited, 'local rate limit exceeded: the token bucket is empty, retry later', headers);
  };
}
