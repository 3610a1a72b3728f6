import { draft, readMetadata, serviceOfHost, serviceOfSelector, type Converted, type ImportContext, type ServiceHint } from './import-context';
import type { SourceObject } from './source-fields';
import { ISTIO_ROOT_NAMESPACE } from './export-istio';

/**
 * Istio Sidecar → the `calls` of the MeshServices it selects (its egress hosts); the root
 * namespace's default Sidecar's outboundTrafficPolicy → the Mesh's outboundPolicy.
 */
export function importSidecar(source: SourceObject, ctx: ImportContext): Converted {
  const root = source.root();
  const meta = readMetadata(root);
  const spec = root.object('spec');
  if (!spec) return { resources: [], services: [] };
  spec.drop('ingress', 'Meshform sidecars listen on the MeshService\'s ports');
  spec.drop('inboundConnectionPool', 'Meshform sets connection limits on the destination (TrafficPolicy)');
  const selector = spec.object('workloadSelector');
  const labels = selector?.record('labels');
  const owner = labels ? serviceOfSelector(labels, meta.namespace, ctx) : undefined;
  const owners = labels ? (owner ? [owner] : []) : ctx.services.filter((s) => s.namespace === meta.namespace).map((s) => s.name);
  if (labels && !owner) source.note('dropped', 'spec.workloadSelector', 'no Service selects these labels and they have no app label, so no MeshService could be named');
  const calls = spec.list('egress').flatMap((e) => {
    e.drop('port', 'Meshform gives a workload every port of the services it calls');
    e.drop('bind', 'Meshform sidecars bind their outbound listeners themselves');
    e.drop('captureMode', 'Meshform sidecars capture outbound traffic themselves');
    return (e.strings('hosts') ?? []).flatMap((entry, i) => {
      const [nsPart, host] = entry.includes('/') ? [entry.slice(0, entry.indexOf('/')), entry.slice(entry.indexOf('/') + 1)] : ['*', entry];
      const namespace = nsPart === '.' || nsPart === '*' ? meta.namespace : nsPart;
      const svc = host.includes('*') || nsPart === '~' ? undefined : serviceOfHost(host, namespace, ctx);
      if (!svc) {
        source.note('dropped', `${e.at('hosts')}[${i}]`, `"${entry}": Meshform lists the services a workload calls by name; wildcards are not carried`);
        return [];
      }
      return [{ name: svc.name, ...(svc.namespace !== meta.namespace ? { namespace: svc.namespace } : {}) }];
    });
  });
  const hints: ServiceHint[] = calls.length ? owners.map((name) => ({ name, namespace: meta.namespace, calls })) : [];
  const outbound = spec.object('outboundTrafficPolicy');
  const mode = outbound?.string('mode');
  outbound?.drop('egressProxy', 'Meshform has no egress proxy');
  if (mode && (labels || meta.namespace !== ISTIO_ROOT_NAMESPACE)) {
    source.note('dropped', 'spec.outboundTrafficPolicy.mode', 'Meshform\'s outbound policy is mesh-wide: only the root namespace\'s default Sidecar sets it');
    return { resources: [], services: hints };
  }
  return { resources: mode ? [draft('Mesh', 'default', undefined, { outboundPolicy: mode })] : [], services: hints };
}
