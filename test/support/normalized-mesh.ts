import type { MeshResource } from '../../lib';

/**
 * Mesh resources keyed by kind, namespace and name, with what a reference may say or leave out made
 * explicit: a route's own service (backend or mirror name) and the resource's own namespace are
 * dropped wherever written, as the constructs name them and the YAML may not.
 */
export function normalizedMesh(resources: readonly MeshResource[]): Map<string, unknown> {
  return new Map(
    resources.map((r) => {
      const ns = r.metadata.namespace;
      const strip = (value: unknown, own?: { name: string; namespace: string | undefined }): unknown => {
        if (Array.isArray(value)) return value.map((v) => strip(v, own));
        if (value === null || typeof value !== 'object') return value;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[k] = strip(v, own);
        if (out.namespace === ns && !('kind' in out && 'apiVersion' in out)) delete out.namespace;
        if (own && out.name === own.name && (out.namespace ?? ns) === (own.namespace ?? ns) && ('weight' in out || 'version' in out || 'port' in out || Object.keys(out).length === 1)) {
          delete out.name;
          delete out.namespace;
        }
        return out;
      };
      const own = r.kind === 'TrafficRoute' ? { name: (r.spec as { service: { name: string; namespace?: string } }).service.name, namespace: (r.spec as { service: { namespace?: string } }).service.namespace ?? ns } : undefined;
      const spec = strip(r.spec) as Record<string, unknown>;
      if (own && Array.isArray(spec.rules)) spec.rules = spec.rules.map((rule: Record<string, unknown>) => ({ ...rule, ...(rule.backends ? { backends: strip(rule.backends, own) } : {}), ...(rule.mirror ? { mirror: strip(rule.mirror, own) } : {}) }));
      return [`${r.kind} ${ns ?? ''}/${r.metadata.name}`, { labels: r.metadata.labels, spec }] as const;
    }),
  );
}
