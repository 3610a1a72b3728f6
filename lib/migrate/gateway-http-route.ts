import { convertRule } from '../gateway-api/route-rules';
import { compact, draft, readMetadata, type Converted, type ServiceHint } from './import-context';
import type { Fields, SourceObject } from './source-fields';

function backendOf(b: Fields, own: { name: string; namespace: string; port?: number }, hints: ServiceHint[]): Record<string, unknown> {
  b.ignore('group', 'kind');
  b.drop('filters', 'Meshform sets filters per rule, not per backend');
  const name = b.string('name')!;
  const namespace = b.string('namespace') ?? own.namespace;
  hints.push({ name, namespace });
  const port = b.number('port');
  // The route's own service on its own port is Meshform's default backend.
  const same = name === own.name && namespace === own.namespace;
  return compact({ name: same ? undefined : name, namespace: namespace === own.namespace ? undefined : namespace, port: same && (own.port === undefined || port === own.port) ? undefined : port });
}

/** Gateway API HTTPRoute attached to a Service (GAMMA) → TrafficRoute of that service. */
export function importHttpRoute(source: SourceObject): Converted {
  const root = source.root();
  const meta = readMetadata(root);
  const spec = root.object('spec');
  if (!spec) return { resources: [], services: [] };
  spec.drop('hostnames', 'Meshform routes apply to a service by name, not by host name');
  const parents = spec.list('parentRefs').filter((p) => {
    const kind = p.string('kind') ?? 'Gateway';
    p.ignore('group');
    if (kind !== 'Service') p.dropAll('Meshform has no gateways; only routes attached to a Service (GAMMA) are imported');
    return kind === 'Service';
  });
  const hints: ServiceHint[] = [];
  const rules = spec.list('rules');
  const resources = parents.map((p, i) => {
    p.drop('sectionName', 'Meshform routes name a port, not a section');
    const port = p.number('port');
    const own = { name: p.string('name')!, namespace: p.string('namespace') ?? meta.namespace, ...(port !== undefined ? { port } : {}) };
    hints.push({ name: own.name, namespace: own.namespace, ...(port ? { ports: [{ port }] } : {}) });
    const name = parents.length === 1 ? meta.name : `${meta.name}-${own.name}`.slice(0, 63);
    if (i > 0) source.note('differs', 'spec.parentRefs', `one TrafficRoute per parent: this one is ${name}`);
    return draft('TrafficRoute', name, meta.namespace, { service: compact({ name: own.name, namespace: own.namespace === meta.namespace ? undefined : own.namespace, port }), rules: rules.map((r) => convertRule(r, (b) => backendOf(b, own, hints))) }, meta);
  });
  return { resources, services: hints };
}
