import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { durationToMs, type Duration, type XdsMessage } from '../../lib/xds';
import { compileRouteMatch } from '../config/route-table';
import { ConfigError, ErrorCode } from '../errors';
import type { Filter } from '../http/filter';
import type { ProxyRequest } from '../http/proxy-request';
import { perRouteConfig } from './per-route';

type Outcome = { readonly kind: 'ok'; readonly payload: JWTPayload | undefined } | { readonly kind: 'missing' } | { readonly kind: 'invalid'; readonly reason: string };
type Requirement = (req: ProxyRequest) => Promise<Outcome>;

interface Provider {
  readonly name: string;
  readonly issuer: string | undefined;
  readonly audiences: readonly string[];
  readonly keys: JWTVerifyGetKey;
  readonly headers: readonly { readonly name: string; readonly prefix: string }[];
  readonly params: readonly string[];
  readonly cookies: readonly string[];
  /** Verified claims copied into request headers for the application. */
  readonly claimHeaders: readonly { readonly header: string; readonly claim: string }[];
  readonly forward: boolean;
  readonly clockSkewSeconds: number;
}

const OK_NO_TOKEN: Outcome = { kind: 'ok', payload: undefined };

function compileProvider(name: string, message: XdsMessage, resource: string): Provider {
  let keys: JWTVerifyGetKey;
  if (message['jwks_source_specifier'] === 'local_jwks') {
    const source = message['local_jwks'] as { inline_string?: string } | undefined;
    try {
      keys = createLocalJWKSet(JSON.parse(source?.inline_string ?? ''));
    } catch (error) {
      throw new ConfigError(resource, `provider ${name}: invalid inline JWKS: ${(error as Error).message}`);
    }
  } else if (message['jwks_source_specifier'] === 'remote_jwks') {
    const remote = message['remote_jwks'] as XdsMessage;
    const uri = String((remote['http_uri'] as XdsMessage | undefined)?.['uri'] ?? '');
    try {
      keys = createRemoteJWKSet(new URL(uri), { cacheMaxAge: durationToMs(remote['cache_duration'] as Duration | undefined) ?? 300_000 });
    } catch (error) {
      throw new ConfigError(resource, `provider ${name}: invalid JWKS uri ${uri}: ${(error as Error).message}`);
    }
  } else {
    throw new ConfigError(resource, `provider ${name} has no JWKS`);
  }
  const fromHeaders = (message['from_headers'] as XdsMessage[] | undefined) ?? [];
  const fromParams = (message['from_params'] as string[] | undefined) ?? [];
  const fromCookies = (message['from_cookies'] as string[] | undefined) ?? [];
  const useDefaults = fromHeaders.length === 0 && fromParams.length === 0 && fromCookies.length === 0;
  return {
    name,
    issuer: (message['issuer'] as string | undefined) || undefined,
    audiences: (message['audiences'] as string[] | undefined) ?? [],
    keys,
    // Envoy's default locations: "Authorization: Bearer <token>" and the access_token parameter.
    headers: useDefaults
      ? [{ name: 'authorization', prefix: 'Bearer ' }]
      : fromHeaders.map((h) => ({ name: String(h['name']).toLowerCase(), prefix: String(h['value_prefix'] ?? '') })),
    params: useDefaults ? ['access_token'] : fromParams,
    cookies: fromCookies,
    claimHeaders: ((message['claim_to_headers'] as XdsMessage[] | undefined) ?? []).map((c) => ({
      header: String(c['header_name']).toLowerCase(),
      claim: String(c['claim_name']),
    })),
    forward: message['forward'] === true,
    clockSkewSeconds: Number(message['clock_skew_seconds'] ?? 60) || 60,
  };
}

function extractToken(req: ProxyRequest, provider: Provider): { token: string; header?: string } | undefined {
  for (const { name, prefix } of provider.headers) {
    const value = req.header(name);
    if (value !== undefined && value.startsWith(prefix)) return { token: value.slice(prefix.length).trim(), header: name };
  }
  for (const param of provider.params) {
    const value = req.query.get(param);
    if (value) return { token: value };
  }
  for (const cookie of provider.cookies) {
    const value = req.cookie(cookie);
    if (value) return { token: value };
  }
  return undefined;
}

function verifyWith(provider: Provider): Requirement {
  return async (req) => {
    const found = extractToken(req, provider);
    if (!found) return { kind: 'missing' };
    try {
      const { payload } = await jwtVerify(found.token, provider.keys, {
        ...(provider.issuer ? { issuer: provider.issuer } : {}),
        ...(provider.audiences.length > 0 ? { audience: [...provider.audiences] } : {}),
        clockTolerance: provider.clockSkewSeconds,
      });
      if (!provider.forward && found.header) delete req.headers[found.header];
      for (const { header, claim } of provider.claimHeaders) {
        const value = payload[claim];
        if (value === undefined) delete req.headers[header];
        else req.headers[header] = typeof value === 'string' ? value : JSON.stringify(value);
      }
      return { kind: 'ok', payload };
    } catch (error) {
      return { kind: 'invalid', reason: (error as Error).message };
    }
  };
}

/** requires_any: the first success wins; missing tokens pass only if allow_missing is among the alternatives. */
function anyOf(list: readonly { requirement: Requirement; allowMissing: boolean }[]): Requirement {
  return async (req) => {
    let invalid: Outcome | undefined;
    let missing = false;
    for (const { requirement, allowMissing } of list) {
      if (allowMissing) {
        missing = true;
        continue;
      }
      const outcome = await requirement(req);
      if (outcome.kind === 'ok') return outcome;
      if (outcome.kind === 'invalid') invalid ??= outcome;
    }
    if (invalid) return invalid;
    return missing ? OK_NO_TOKEN : { kind: 'missing' };
  };
}

function compileRequirement(message: XdsMessage, providers: ReadonlyMap<string, Provider>, resource: string): Requirement {
  const provider = (name: string) => {
    const found = providers.get(name);
    if (!found) throw new ConfigError(resource, `unknown JWT provider ${name}`);
    return found;
  };
  switch (message['requires_type']) {
    case 'provider_name':
      return verifyWith(provider(String(message['provider_name'])));
    case 'requires_any':
      return anyOf(
        (((message['requires_any'] as XdsMessage)['requirements'] as XdsMessage[]) ?? []).map((r) => ({
          requirement: compileRequirement(r, providers, resource),
          allowMissing: r['requires_type'] === 'allow_missing',
        })),
      );
    case 'requires_all': {
      const list = (((message['requires_all'] as XdsMessage)['requirements'] as XdsMessage[]) ?? []).map((r) => compileRequirement(r, providers, resource));
      return async (req) => {
        let payload: JWTPayload | undefined;
        for (const requirement of list) {
          const outcome = await requirement(req);
          if (outcome.kind !== 'ok') return outcome;
          payload ??= outcome.payload;
        }
        return { kind: 'ok', payload };
      };
    }
    case 'allow_missing':
      return async () => OK_NO_TOKEN;
    case 'allow_missing_or_failed': {
      const everyProvider = anyOf([...providers.values()].map((p) => ({ requirement: verifyWith(p), allowMissing: false })));
      return async (req) => {
        const outcome = await everyProvider(req);
        return outcome.kind === 'ok' ? outcome : OK_NO_TOKEN;
      };
    }
    default:
      throw new ConfigError(resource, `unsupported JWT requirement ${String(message['requires_type'] ?? '(none)')}`);
  }
}

/** A compiled JwtAuthentication: rules in order, the first whose match fits the request decides. */
export class JwtAuthnConfig {
  constructor(
    readonly rules: readonly { readonly matches: (req: ProxyRequest) => boolean; readonly requirement: Requirement }[],
    /** Headers that carry verified claims: a caller's own values for them are always dropped. */
    readonly claimHeaders: readonly string[],
  ) {}
}

/** PerRouteConfig: `disabled: true` turns the filter off for a route. */
export class JwtPerRoute {
  constructor(readonly disabled: boolean) {}
}

export function compileJwtAuthn(message: XdsMessage, resource: string): JwtAuthnConfig {
  const providers = new Map(
    Object.entries((message['providers'] as Record<string, XdsMessage> | undefined) ?? {}).map(([name, provider]) => [
      name,
      compileProvider(name, provider, resource),
    ]),
  );
  const requirementMap = (message['requirement_map'] as Record<string, XdsMessage> | undefined) ?? {};
  const rules = ((message['rules'] as XdsMessage[] | undefined) ?? []).map((rule) => {
    let requirement: Requirement | undefined;
    if (rule['requirement_type'] === 'requires') requirement = compileRequirement(rule['requires'] as XdsMessage, providers, resource);
    else if (rule['requirement_type'] === 'requirement_name') {
      const named = requirementMap[String(rule['requirement_name'])];
      if (!named) throw new ConfigError(resource, `unknown requirement ${String(rule['requirement_name'])}`);
      requirement = compileRequirement(named, providers, resource);
    }
    return { matches: compileRouteMatch((rule['match'] ?? {}) as XdsMessage, resource), requirement: requirement ?? (async () => OK_NO_TOKEN) };
  });
  const claimHeaders = [...new Set([...providers.values()].flatMap((provider) => provider.claimHeaders.map((c) => c.header)))];
  return new JwtAuthnConfig(rules, claimHeaders);
}

export function compileJwtPerRoute(message: XdsMessage, resource: string): JwtPerRoute {
  if (message['requirement_specifier'] === 'requirement_name') throw new ConfigError(resource, 'per-route requirement_name is not supported');
  return new JwtPerRoute(message['disabled'] === true);
}

/** envoy.filters.http.jwt_authn: 401 on a missing or invalid token where a rule requires one. */
export function jwtAuthnFilter(name: string, config: JwtAuthnConfig): Filter {
  return (next) => async (req, res) => {
    for (const header of config.claimHeaders) delete req.headers[header];
    if (perRouteConfig(req, name, JwtPerRoute)?.disabled) return next(req, res);
    const rule = config.rules.find((candidate) => candidate.matches(req));
    if (!rule) return next(req, res);
    const outcome = await rule.requirement(req);
    if (outcome.kind === 'ok') {
      if (outcome.payload) req.jwtPayload = outcome.payload;
      return next(req, res);
    }
    if (outcome.kind === 'missing') res.localReply(401, ErrorCode.JwtMissing, 'Jwt is missing', { 'www-authenticate': 'Bearer realm="meshform"' });
    else res.localReply(401, ErrorCode.JwtInvalid, `Jwt verification fails: ${outcome.reason}`, { 'www-authenticate': 'Bearer realm="meshform", error="invalid_token"' });
  };
}
