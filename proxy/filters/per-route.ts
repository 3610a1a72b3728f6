import type { ProxyRequest } from '../http/proxy-request';

/** The typed_per_filter_config a filter sees for a request: the route's, else its virtual host's. */
export function perRouteConfig<T>(req: ProxyRequest, filterName: string, type: abstract new (...args: never[]) => T): T | undefined {
  const matched = req.route;
  if (!matched) return undefined;
  const config = matched.route.perFilterConfig.get(filterName) ?? matched.virtualHost.perFilterConfig.get(filterName);
  return config instanceof type ? config : undefined;
}
