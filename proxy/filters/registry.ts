import { TypeUrl, type XdsMessage } from '../../lib/xds';
import type { HttpChainBuilder } from '../config/listener-config';
import { ConfigError } from '../errors';
import { compose, type Filter } from '../http/filter';
import { createRouter, type RouterServices } from '../http/router';
import { compileFault, faultFilter } from './fault';
import { compileJwtAuthn, compileJwtPerRoute, jwtAuthnFilter } from './jwt-authn';
import { compileLocalRateLimit, localRateLimitFilter } from './local-rate-limit';
import { compileRbac, compileRbacPerRoute, rbacFilter } from './rbac';

interface HttpFilterKind {
  /** Builds the filter instance for one HttpConnectionManager from its typed_config. */
  build(config: XdsMessage, name: string, resource: string): Filter;
}

const KINDS: ReadonlyMap<string, HttpFilterKind> = new Map<string, HttpFilterKind>([
  [TypeUrl.HttpFault, { build: (config, name, resource) => faultFilter(name, compileFault(config, resource)) }],
  [TypeUrl.LocalRateLimit, { build: (config, name, resource) => localRateLimitFilter(name, compileLocalRateLimit(config, resource)) }],
  [TypeUrl.Rbac, { build: (config, name, resource) => rbacFilter(name, compileRbac(config, resource)) }],
  [TypeUrl.JwtAuthentication, { build: (config, name, resource) => jwtAuthnFilter(name, compileJwtAuthn(config, resource)) }],
]);

/** typed_per_filter_config compilers, by the type of the per-route config. */
const PER_ROUTE: ReadonlyMap<string, (config: XdsMessage, resource: string) => unknown> = new Map<string, (config: XdsMessage, resource: string) => unknown>([
  [TypeUrl.HttpFault, compileFault],
  [TypeUrl.LocalRateLimit, compileLocalRateLimit],
  [TypeUrl.RbacPerRoute, compileRbacPerRoute],
  [TypeUrl.JwtPerRoute, compileJwtPerRoute],
]);

/**
 * Turns an HttpConnectionManager's http_filters into one composed handler: every filter in order,
 * the router last (required, as in Envoy). Unknown filters are rejected unless marked optional.
 */
export function createHttpChainBuilder(services: RouterServices): HttpChainBuilder {
  const router = createRouter(services);
  return {
    perFilter(filterName, config, resource) {
      const compile = PER_ROUTE.get(String(config['@type']));
      if (!compile) throw new ConfigError(resource, `unsupported typed_per_filter_config ${filterName} (${String(config['@type'])})`);
      return compile(config, `${resource} ${filterName}`);
    },
    buildChain(httpFilters, resource) {
      const last = httpFilters[httpFilters.length - 1];
      if (!last || (last['typed_config'] as XdsMessage | undefined)?.['@type'] !== TypeUrl.Router) {
        throw new ConfigError(resource, 'the router filter must be the last HTTP filter');
      }
      const filters: Filter[] = [];
      for (const entry of httpFilters.slice(0, -1)) {
        const name = String(entry['name'] ?? '');
        const config = (entry['typed_config'] as XdsMessage | undefined) ?? {};
        const kind = KINDS.get(String(config['@type']));
        if (entry['disabled'] === true) continue;
        if (!kind) {
          if (entry['is_optional'] === true) continue;
          throw new ConfigError(resource, `unsupported HTTP filter ${name} (${String(config['@type'] ?? 'no typed_config')})`);
        }
        filters.push(kind.build(config, name, `${resource} ${name}`));
      }
      return compose(filters, router);
    },
  };
}
