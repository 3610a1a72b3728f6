import type { GatewayListener } from '../api/mesh-gateway';
import type { MeshModel, Resolved } from './mesh-model';

/** A GatewayRoute attached to one listener of a gateway, through one of its parentRefs. */
export interface GatewayAttachment {
  readonly route: Resolved<'GatewayRoute'>;
  readonly parentIndex: number;
  readonly listener: GatewayListener;
  /** The hosts the route serves on this listener: `*` for every host. */
  readonly hosts: readonly string[];
}

/** Why a parentRef that names a gateway attaches to none of its listeners. */
export interface RefusedAttachment {
  readonly route: Resolved<'GatewayRoute'>;
  readonly parentIndex: number;
  readonly reason: 'NoMatchingParent' | 'NotAllowedByListeners' | 'NoMatchingListenerHostname';
  readonly message: string;
}

/** Whether a host name is matched by a listener's hostname (exact, or `*.x` matching exactly one more label, as the Gateway API has it). */
function hostMatches(pattern: string, host: string): boolean {
  if (!pattern.startsWith('*.')) return pattern === host;
  const suffix = pattern.slice(1);
  return host.endsWith(suffix) && !host.slice(0, -suffix.length).includes('.') && host.length > suffix.length;
}

/**
 * The hosts a route serves on a listener (Gateway API's hostname intersection): the route's
 * hostnames the listener's hostname admits, or the listener's when the route names none; both
 * unset is every host. A route wildcard admits a more specific listener hostname.
 */
export function intersectHostnames(routeHosts: readonly string[], listenerHost: string | undefined): string[] {
  if (listenerHost === undefined) return routeHosts.length > 0 ? [...routeHosts] : ['*'];
  if (routeHosts.length === 0) return [listenerHost];
  const hosts = new Set<string>();
  for (const host of routeHosts) {
    if (hostMatches(listenerHost, host)) hosts.add(host);
    else if (hostMatches(host, listenerHost) || (host.startsWith('*.') && listenerHost.startsWith('*.') && listenerHost.endsWith(host.slice(1)))) hosts.add(listenerHost);
  }
  return [...hosts];
}

const byNamespacedName = (a: Resolved, b: Resolved) => a.metadata.namespace.localeCompare(b.metadata.namespace) || a.metadata.name.localeCompare(b.metadata.name);

/**
 * The GatewayRoutes attached to a gateway, listener by listener, in namespace/name order (the order
 * their rules are tried in for a host they share), and the parentRefs naming it that attach nowhere.
 */
export function gatewayAttachments(model: MeshModel, gateway: Resolved<'MeshGateway'>): { attached: GatewayAttachment[]; refused: RefusedAttachment[] } {
  const attached: GatewayAttachment[] = [];
  const refused: RefusedAttachment[] = [];
  const { name, namespace } = gateway.metadata;
  for (const route of [...model.all('GatewayRoute')].sort(byNamespacedName)) {
    route.spec.parentRefs.forEach((ref, parentIndex) => {
      if (ref.name !== name || (ref.namespace ?? route.metadata.namespace) !== namespace) return;
      const refuse = (reason: RefusedAttachment['reason'], message: string) => refused.push({ route, parentIndex, reason, message });
      const named = gateway.spec.listeners.filter((l) => (ref.sectionName === undefined || l.name === ref.sectionName) && (ref.port === undefined || l.port === ref.port));
      if (named.length === 0) {
        refuse('NoMatchingParent', `names ${ref.sectionName !== undefined ? `listener "${ref.sectionName}"` : ''}${ref.sectionName !== undefined && ref.port !== undefined ? ' on ' : ''}${ref.port !== undefined ? `port ${ref.port}` : ''} of MeshGateway ${namespace}/${name}, which has listeners ${gateway.spec.listeners.map((l) => `${l.name} (${l.port})`).join(', ')}`);
        return;
      }
      const allowed = named.filter((l) => l.allowedRoutes.namespaces === 'All' || route.metadata.namespace === namespace);
      if (allowed.length === 0) {
        refuse('NotAllowedByListeners', `attaches from namespace ${route.metadata.namespace}, but the listeners of MeshGateway ${namespace}/${name} it names admit routes of namespace ${namespace} only (allowedRoutes.namespaces: Same)`);
        return;
      }
      let matched = false;
      for (const listener of allowed) {
        const hosts = intersectHostnames(route.spec.hostnames, listener.hostname);
        if (hosts.length === 0) continue;
        matched = true;
        attached.push({ route, parentIndex, listener, hosts });
      }
      if (!matched) refuse('NoMatchingListenerHostname', `has hostnames ${route.spec.hostnames.join(', ')}, none of which the listeners it names (${allowed.map((l) => `${l.name}: ${l.hostname}`).join(', ')}) serve`);
    });
  }
  return { attached, refused };
}
