import { compact, draft, NOTHING, readPolicy, type Converted, type ImportContext } from './import-context';
import type { SourceObject } from './source-fields';

/** Istio PeerAuthentication → MtlsPolicy (UNSET inherits, which Meshform says by having no policy). */
export function importPeerAuthentication(source: SourceObject, ctx: ImportContext): Converted {
  const policy = readPolicy(source, ctx);
  if (!policy) return NOTHING;
  const { meta, spec, target } = policy;
  const mtls = spec.object('mtls');
  const mode = mtls?.string('mode') ?? 'UNSET';
  const portLevel = spec.entries('portLevelMtls').flatMap(([port, f]) => {
    const m = f.string('mode') ?? 'UNSET';
    if (m === 'UNSET') return [];
    return [{ port: Number(port), mode: m }];
  });
  if (portLevel.length) source.note('differs', 'spec.portLevelMtls', 'Istio keys ports by the workload\'s (target) port, Meshform by the service port: check they are the same');
  if (!target) return NOTHING;
  if (mode === 'UNSET') {
    source.note(portLevel.length ? 'differs' : 'dropped', 'spec.mtls.mode', portLevel.length ? 'UNSET with port modes: the other ports take PERMISSIVE' : 'UNSET inherits the parent\'s mode; with no port modes the policy says nothing');
    if (!portLevel.length) return NOTHING;
  }
  return { resources: [draft('MtlsPolicy', meta.name, meta.namespace, compact({ targetRef: target, mode: mode === 'UNSET' ? 'PERMISSIVE' : mode, portLevel: portLevel.length ? portLevel : undefined }), meta)], services: [] };
}
