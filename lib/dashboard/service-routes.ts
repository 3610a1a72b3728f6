import type { RouteRule } from '../api';
import type { MeshModel, Resolved } from '../model';
import type { RouteSummary } from './dashboard-snapshot';

/** A match in words: `GET path prefix /api header x-user=alice`; none matches everything. */
function describeMatch(match: RouteRule['matches'][number]): string {
  const parts = [
    ...(match.method ? [match.method] : []),
    ...(match.path ? [`path ${match.path.type.toLowerCase()} ${match.path.value}`] : []),
    ...match.headers.map((h) => `header ${h.name}${h.invert ? ' not' : ''}${h.type === 'Present' ? ' present' : `=${h.value ?? ''}`}`),
    ...match.cookies.map((c) => `cookie ${c.name}=${c.value}`),
    ...match.queryParams.map((q) => `query ${q.name}${q.type === 'Present' ? ' present' : `=${q.value ?? ''}`}`),
  ];
  return parts.join(' ') || 'any request';
}

/**
 * The TrafficRoutes of a service as translation uses them: the model is built from the controller's
 * resources, where a canary's weights have replaced the route's own.
 */
export function serviceRoutes(model: MeshModel, service: Resolved<'MeshService'>): RouteSummary[] {
  const { namespace, name } = service.metadata;
  return model
    .all('TrafficRoute')
    .filter((r) => r.spec.service.name === name && (r.spec.service.namespace ?? r.metadata.namespace) === namespace)
    .map((route) => ({
      name: route.metadata.name,
      rules: route.spec.rules.map((rule) => ({
        matches: rule.matches.length === 0 ? ['any request'] : rule.matches.map(describeMatch),
        backends: rule.backends.map((b) => ({ service: b.name ?? name, ...(b.version !== undefined ? { version: b.version } : {}), weight: b.weight })),
      })),
    }));
}
