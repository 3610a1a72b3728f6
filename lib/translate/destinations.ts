import type { Resolved } from '../model';
import { outboundClusterName, serviceDomains, serviceFqdn } from '../naming';
import { whereOf, type TranslationContext } from './context';

/** How an outbound port is proxied: HTTP routing, plain TCP, or TLS passed through by SNI. */
export type OutboundProtocol = 'http' | 'tcp' | 'tls';

/** One port of one destination the proxy calls (an external service yields one per host). */
export interface OutboundService {
  readonly where: string;
  readonly namespace: string;
  readonly name: string;
  /** The FQDN of a MeshService, or the external host. */
  readonly host: string;
  readonly port: number;
  readonly protocol: OutboundProtocol;
  readonly domains: readonly string[];
  readonly mesh?: Resolved<'MeshService'>;
  readonly external?: Resolved<'ExternalService'>;
}

/** A backend or mirror reference as route rules write it. */
export interface BackendReference {
  readonly name?: string;
  readonly namespace?: string;
  readonly version?: string;
  readonly port?: number;
}

const MESH_PROTOCOL: Record<string, OutboundProtocol> = { http: 'http', http2: 'http', grpc: 'http', tcp: 'tcp' };

function externalProtocol(protocol: string, originate: boolean): OutboundProtocol {
  if (protocol === 'tcp') return 'tcp';
  if (protocol === 'https' || protocol === 'tls') return originate ? 'http' : 'tls';
  return 'http';
}

/** Destinations by resolved service: the same objects for as long as the model is (an endpoint move keeps it). */
const portsOfService = new WeakMap<Resolved<'MeshService'> | Resolved<'ExternalService'>, readonly OutboundService[]>();

function memoized<S extends Resolved<'MeshService'> | Resolved<'ExternalService'>>(ports: (service: S) => OutboundService[]): (service: S) => readonly OutboundService[] {
  return (service) => {
    let found = portsOfService.get(service);
    if (!found) portsOfService.set(service, (found = ports(service)));
    return found;
  };
}

export const meshServicePorts = memoized((service: Resolved<'MeshService'>): OutboundService[] => {
  const { name, namespace } = service.metadata;
  return service.spec.ports.map((p) => ({
    where: whereOf(service),
    namespace,
    name,
    host: serviceFqdn(name, namespace),
    port: p.port,
    protocol: MESH_PROTOCOL[p.protocol]!,
    domains: serviceDomains(name, namespace, p.port),
    mesh: service,
  }));
});

export const externalServicePorts = memoized((service: Resolved<'ExternalService'>): OutboundService[] => {
  const originate = service.spec.tls.mode === 'ORIGINATE';
  return service.spec.hosts.flatMap((host) =>
    service.spec.ports.map((p) => ({
      where: whereOf(service),
      namespace: service.metadata.namespace,
      name: service.metadata.name,
      host,
      port: p.port,
      protocol: externalProtocol(p.protocol, originate),
      domains: [host, `${host}:${p.port}`],
      external: service,
    })),
  );
});

/**
 * The destinations a proxy gets outbound config for: what its MeshService `calls` (every service
 * when it lists none, as Istio does without a Sidecar resource); a proxyless client gets all.
 */
export function calledServices(ctx: TranslationContext): readonly OutboundService[] {
  const { model, proxy } = ctx;
  const own = proxy.kind === 'sidecar' && proxy.workload ? model.service(proxy.namespace, proxy.workload) : undefined;
  const calls = own?.spec.calls ?? [];
  if (calls.length === 0) {
    return [...model.all('MeshService').flatMap(meshServicePorts), ...model.all('ExternalService').flatMap(externalServicePorts)];
  }
  return calls.flatMap((call, i) => {
    const namespace = call.namespace ?? own!.metadata.namespace;
    const mesh = model.service(namespace, call.name);
    if (mesh) return meshServicePorts(mesh);
    const external = model.externalService(namespace, call.name);
    if (external) return externalServicePorts(external);
    ctx.issues.add({
      code: 'UNKNOWN_SERVICE',
      severity: 'rejected',
      where: whereOf(own!),
      field: `spec.calls[${i}]`,
      message: `names ${namespace}/${call.name}, which is neither a MeshService nor an ExternalService; no outbound config is made for it`,
    });
    return [];
  });
}

/** The cluster of a destination, whole or one version. */
export function clusterNameOf(destination: OutboundService, version?: string): string {
  return outboundClusterName(destination.port, destination.host, version ?? '');
}

/**
 * The cluster a backend reference resolves to, relative to the service whose route holds it; or
 * undefined (with an issue) when it names nothing that exists.
 */
export function resolveBackend(ctx: TranslationContext, owner: OutboundService, ref: BackendReference, where: string, field: string): string | undefined {
  const name = ref.name ?? owner.name;
  const namespace = ref.namespace ?? owner.namespace;
  const reject = (code: 'UNKNOWN_SERVICE' | 'UNKNOWN_VERSION' | 'UNKNOWN_PORT', message: string) => {
    ctx.issues.add({ code, severity: 'rejected', where, field, message });
    return undefined;
  };
  const mesh = ctx.model.service(namespace, name);
  if (mesh) {
    const port = ref.port ?? (mesh.spec.ports.length === 1 ? mesh.spec.ports[0]!.port : owner.port);
    if (!mesh.spec.ports.some((p) => p.port === port)) return reject('UNKNOWN_PORT', `names port ${port}, which ${namespace}/${name} does not expose`);
    if (ref.version !== undefined && !mesh.spec.versions.some((v) => v.name === ref.version)) {
      return reject('UNKNOWN_VERSION', `names version "${ref.version}", which ${namespace}/${name} does not define`);
    }
    return outboundClusterName(port, serviceFqdn(name, namespace), ref.version ?? '');
  }
  const external = ctx.model.externalService(namespace, name);
  if (external) {
    if (ref.version !== undefined) return reject('UNKNOWN_VERSION', `names version "${ref.version}" of ExternalService ${namespace}/${name}, which has no versions`);
    const port = ref.port ?? (external.spec.ports.length === 1 ? external.spec.ports[0]!.port : owner.port);
    if (!external.spec.ports.some((p) => p.port === port)) return reject('UNKNOWN_PORT', `names port ${port}, which ${namespace}/${name} does not expose`);
    const host = external.spec.hosts.includes(owner.host) ? owner.host : external.spec.hosts[0]!;
    return outboundClusterName(port, host);
  }
  return reject('UNKNOWN_SERVICE', `names ${namespace}/${name}, which is neither a MeshService nor an ExternalService`);
}
