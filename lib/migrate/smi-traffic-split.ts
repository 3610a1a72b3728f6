import { compact, draft, readMetadata, serviceOfHost, type Converted, type ImportContext, type ServiceHint } from './import-context';
import type { SourceObject } from './source-fields';
import { percents, quantity } from './weights';

/**
 * SMI TrafficSplit → a TrafficRoute of its root service whose one rule splits between the backend
 * services (SMI backends are Services of their own, like reviews-v1).
 */
export function importTrafficSplit(source: SourceObject, ctx: ImportContext): Converted {
  const root = source.root();
  const meta = readMetadata(root);
  const spec = root.object('spec');
  if (!spec) return { resources: [], services: [] };
  spec.drop('matches', 'HTTPRouteGroup matches are not imported; write them as rule matches on the TrafficRoute');
  const svc = serviceOfHost(spec.string('service') ?? '', meta.namespace, ctx);
  const backends = spec.list('backends').map((b) => ({ name: b.string('service') ?? '', weight: quantity(b.take('weight') ?? 0) }));
  if (!svc) {
    source.note('dropped', 'spec.service', 'names no service of the cluster');
    return { resources: [], services: [] };
  }
  const split = percents(backends.map((b) => b.weight));
  if (!split.exact) source.note('differs', 'spec.backends', `weights ${backends.map((b) => b.weight).join(':')} became whole percents ${split.percents.join(':')}`);
  const hints: ServiceHint[] = [svc, ...backends.map((b) => ({ name: b.name, namespace: meta.namespace }))];
  const rule = { name: 'split', backends: backends.map((b, i) => ({ name: b.name, weight: split.percents[i] })) };
  return { resources: [draft('TrafficRoute', meta.name, meta.namespace, { service: compact({ name: svc.name, namespace: svc.namespace === meta.namespace ? undefined : svc.namespace }), rules: [rule] }, meta)], services: hints.map((h) => ({ name: h.name, namespace: h.namespace })) };
}
