import { defaultPortName } from './export-istio';
import { compact, draft, readMetadata, type Converted } from './import-context';
import type { SourceObject } from './source-fields';

const PROTOCOLS: Record<string, string> = { HTTP: 'http', HTTPS: 'https', HTTP2: 'http2', GRPC: 'grpc', TLS: 'tls', TCP: 'tcp', MONGO: 'tcp', MYSQL: 'tcp', REDIS: 'tcp' };

/** Istio ServiceEntry (MESH_EXTERNAL) → ExternalService. */
export function importServiceEntry(source: SourceObject): Converted {
  const root = source.root();
  const meta = readMetadata(root);
  const spec = root.object('spec');
  if (!spec) return { resources: [], services: [] };
  const location = spec.string('location');
  if (location === 'MESH_INTERNAL') source.note('differs', 'spec.location', 'MESH_INTERNAL hosts become an ExternalService: Meshform does not speak mTLS to them');
  spec.drop('addresses', 'Meshform reaches external hosts by name, not by virtual IP');
  spec.drop('exportTo', 'Meshform external services are visible mesh-wide');
  spec.drop('subjectAltNames', 'Meshform checks the external server\'s name (tls.sni), not extra SANs');
  spec.drop('workloadSelector', 'Meshform external services list addresses, not selected workloads');
  const ports = spec.list('ports').map((p) => {
    p.drop('targetPort', 'Meshform connects to external hosts on the port called');
    const protocol = p.string('protocol')?.toUpperCase();
    if (protocol && !PROTOCOLS[protocol]) p.source.note('dropped', p.at('protocol'), `${protocol} has no Meshform protocol`);
    if (protocol && ['MONGO', 'MYSQL', 'REDIS'].includes(protocol)) p.source.note('differs', p.at('protocol'), `${protocol} is carried as tcp`);
    const port = p.number('number')!;
    const name = p.string('name')?.toLowerCase();
    const mapped = protocol ? PROTOCOLS[protocol] : undefined;
    return compact({ name: name === defaultPortName(mapped ?? 'https', port) ? undefined : name, port, protocol: mapped });
  });
  const resolution = spec.string('resolution');
  if (resolution === 'NONE') source.note('differs', 'spec.resolution', 'NONE (pass the original destination through) has no Meshform equivalent: imported as DNS');
  const endpoints = spec.list('endpoints').map((e) => {
    const epPorts = e.record('ports');
    for (const k of ['labels', 'network', 'locality', 'weight', 'serviceAccount']) e.drop(k, 'Meshform external endpoints are address and port only');
    return compact({ address: e.string('address'), port: epPorts ? Number(Object.values(epPorts)[0]) : undefined });
  });
  return {
    resources: [
      draft('ExternalService', meta.name, meta.namespace, compact({
        hosts: spec.strings('hosts'),
        ports,
        resolution: resolution === 'STATIC' ? 'STATIC' : resolution === undefined ? undefined : 'DNS',
        endpoints: endpoints.length ? endpoints : undefined,
      }), meta),
    ],
    services: [],
  };
}
