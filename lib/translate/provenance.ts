import { gatewayAttachments, type MeshModel, type Resolved } from '../model';
import { CLUSTER_DOMAIN } from '../naming';
import type { ProxyIdentity } from './proxy-identity';
import { trafficPoliciesOf, trafficRoutesOf } from './translation-index';

const FQDN = new RegExp(`([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\\.([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\\.${CLUSTER_DOMAIN.replace(/\./g, '\\.')}`);
/** The policies inbound translation reads (through `policiesFor`, which says which apply to a service). */
const INBOUND_KINDS = ['MtlsPolicy', 'AccessPolicy', 'JwtPolicy', 'RateLimit', 'Telemetry'] as const;
/** The policies a gateway's listeners read (through `policiesForGateway`). */
const GATEWAY_KINDS = ['AccessPolicy', 'JwtPolicy', 'RateLimit', 'Telemetry'] as const;

const keyOf = (r: Resolved) => `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`;

/** A service and what shapes calls to it: its TrafficRoutes and TrafficPolicies. */
function outboundSources(model: MeshModel, service: Resolved<'MeshService'> | Resolved<'ExternalService'>): Resolved[] {
  const { namespace, name } = service.metadata;
  return [service, ...trafficRoutesOf(model, namespace, name), ...trafficPoliciesOf(model, namespace, name)];
}

/**
 * The mesh resources an Envoy resource sent to a proxy comes from, as status keys
 * (`Kind/namespace/name`), so that a proxy's NACK can be shown on them: for a cluster, an
 * assignment or a virtual host, the service its name carries and the TrafficRoutes and
 * TrafficPolicies about it (an external host's ExternalService likewise); for the proxy's inbound
 * side, its own service and the policies targeting it; for a gateway's listener or route
 * configuration, its MeshGateway, the GatewayRoutes attached and the policies naming it; for what no one service shapes (an
 * outbound listener, a port's route configuration with its catch-all), the Mesh.
 */
export function meshResourcesOf(model: MeshModel, proxy: ProxyIdentity, envoyName: string): string[] {
  if (envoyName.startsWith('inbound')) {
    const own = proxy.workload ? model.service(proxy.namespace, proxy.workload) : undefined;
    return own ? [own, ...INBOUND_KINDS.flatMap((kind) => model.policiesFor(kind, own))].map(keyOf) : [];
  }
  if (proxy.kind === 'gateway' && envoyName.startsWith('gateway_')) {
    const gateway = model.gateway(proxy.namespace, proxy.gateway!);
    if (!gateway) return [];
    const routes = new Set(gatewayAttachments(model, gateway).attached.map((a) => a.route));
    return [gateway, ...routes, ...GATEWAY_KINDS.flatMap((kind) => model.policiesForGateway(kind, gateway))].map(keyOf);
  }
  const fqdn = FQDN.exec(envoyName);
  const mesh = fqdn ? model.service(fqdn[2]!, fqdn[1]!) : undefined;
  if (mesh) return outboundSources(model, mesh).map(keyOf);
  const hosts = envoyName.split(/[|/]/).map((part) => part.replace(/:\d+$/, ''));
  const external = model.all('ExternalService').find((e) => e.spec.hosts.some((h) => hosts.includes(h)));
  if (external) return outboundSources(model, external).map(keyOf);
  return model.all('Mesh').map(keyOf);
}
