import { TypeUrl } from '../xds';
import type { Resolved } from '../model';
import { whereOf } from './context';
import type { EnvoyMessage } from './envoy-types';
import { socketAddress, wrapped } from './proto-values';
import { FilterName } from './resource-names';
import { upstreamOriginationSocket } from './tls-contexts';

/** Where jwt_authn puts a verified token's payload; RBAC reads claims from there. */
export const JWT_PAYLOAD_METADATA = 'payload';

const JWKS_FETCH_TIMEOUT = { seconds: '5', nanos: 0 };
const JWKS_CACHE = { seconds: '300', nanos: 0 };

/** The cluster that fetches a remote JWKS: `jwks|<host>|<port>`. */
export function jwksClusterName(uri: URL): string {
  return `jwks|${uri.hostname}|${jwksPort(uri)}`;
}

function jwksPort(uri: URL): number {
  return uri.port ? Number(uri.port) : uri.protocol === 'https:' ? 443 : 80;
}

function jwksCluster(uri: URL): EnvoyMessage {
  const name = jwksClusterName(uri);
  return {
    name,
    type: 'LOGICAL_DNS',
    dns_lookup_family: 'V4_ONLY',
    connect_timeout: JWKS_FETCH_TIMEOUT,
    load_assignment: {
      cluster_name: name,
      endpoints: [{ locality: {}, lb_endpoints: [{ endpoint: { address: socketAddress(uri.hostname, jwksPort(uri)) }, load_balancing_weight: wrapped(1) }] }],
    },
    ...(uri.protocol === 'https:' ? { transport_socket: upstreamOriginationSocket(uri.hostname, undefined) } : {}),
  };
}

/**
 * The jwt_authn filter for a workload's JwtPolicies: one provider per rule; a request must carry a
 * token one of them verifies, or may carry none when no policy is `required` (then only invalid
 * tokens are refused, as Istio's RequestAuthentication).
 */
export function jwtAuthn(policies: readonly Resolved<'JwtPolicy'>[]): { filter?: EnvoyMessage; clusters: EnvoyMessage[] } {
  if (policies.length === 0) return { clusters: [] };
  const providers: Record<string, EnvoyMessage> = {};
  const clusters = new Map<string, EnvoyMessage>();
  for (const policy of policies) {
    policy.spec.rules.forEach((rule, i) => {
      const provider: EnvoyMessage = {
        issuer: rule.issuer,
        audiences: rule.audiences,
        from_headers: rule.fromHeaders.map((h) => ({ name: h.name, ...(h.prefix ? { value_prefix: h.prefix } : {}) })),
        from_params: rule.fromParams,
        from_cookies: rule.fromCookies,
        forward: rule.forwardOriginalToken,
        claim_to_headers: rule.outputClaimToHeaders.map((c) => ({ header_name: c.header, claim_name: c.claim })),
        payload_in_metadata: JWT_PAYLOAD_METADATA,
      };
      if (rule.jwks !== undefined) {
        provider['local_jwks'] = { inline_string: rule.jwks };
      } else {
        const uri = new URL(rule.jwksUri!);
        provider['remote_jwks'] = { http_uri: { uri: uri.toString(), cluster: jwksClusterName(uri), timeout: JWKS_FETCH_TIMEOUT }, cache_duration: JWKS_CACHE };
        clusters.set(jwksClusterName(uri), jwksCluster(uri));
      }
      providers[`${whereOf(policy)} rules[${i}]`] = provider;
    });
  }
  const required = policies.some((p) => p.spec.required);
  const requirements = [...Object.keys(providers).map((provider_name) => ({ provider_name })), ...(required ? [] : [{ allow_missing: {} }])];
  const requires = requirements.length === 1 ? requirements[0]! : { requires_any: { requirements } };
  return {
    filter: { name: FilterName.JwtAuthn, typed_config: { '@type': TypeUrl.JwtAuthentication, providers, rules: [{ match: { prefix: '/' }, requires }] } },
    clusters: [...clusters.values()],
  };
}
