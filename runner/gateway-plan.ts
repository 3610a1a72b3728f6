import type { GatewayListener, MeshResource } from '../lib/api';
import { gatewayAttachments, MeshModel } from '../lib/model';
import { MAX_INSTANCES, type InstanceAddresses } from './instance-plan';

/** A MeshGateway the local runner starts as a proxy process of its own. */
export interface PlannedGateway {
  /** `gateway-<name>`: the process and registry name. */
  readonly name: string;
  readonly namespace: string;
  /** The MeshGateway's name. */
  readonly gateway: string;
  readonly role: 'Ingress' | 'Egress';
  /** The labels its selector picks (its "pod"'s). */
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  /** Its own loopback address: every listener binds here. */
  readonly address: string;
  /** Listener port → the port bound locally (a privileged port moves up, see `localPort`). */
  readonly ports: Readonly<Record<string, number>>;
  readonly listeners: readonly GatewayListener[];
  /** For each listener (by name), the hosts its routes serve (`*` for any). */
  readonly hosts: Readonly<Record<string, readonly string[]>>;
  /** For each listener (by name), a path its first route's first rule matches: what to show a user. */
  readonly paths: Readonly<Record<string, string>>;
}

/** Ports below 1024 need privileges: locally a listener on 443 binds 10443 (80: 10080); others keep theirs. */
export function localPort(port: number): number {
  return port < 1024 ? 10_000 + port : port;
}

/** Plans every MeshGateway of the mesh: gateway i gets `addresses(first + i)`. */
export function planGateways(resources: readonly MeshResource[], addresses: (k: number) => InstanceAddresses, first: number): PlannedGateway[] {
  const model = new MeshModel(resources);
  return model.all('MeshGateway').map((gateway, i) => {
    if (first + i > MAX_INSTANCES) throw new Error(`the local runner addresses at most ${MAX_INSTANCES} instances and gateways`);
    const hosts: Record<string, string[]> = {};
    const paths: Record<string, string> = {};
    for (const { listener, hosts: served, route } of gatewayAttachments(model, gateway).attached) {
      hosts[listener.name] = [...new Set([...(hosts[listener.name] ?? []), ...served])];
      const path = route.spec.rules[0]?.matches[0]?.path;
      paths[listener.name] ??= path && path.type !== 'RegularExpression' ? path.value : '/';
    }
    return {
      name: `gateway-${gateway.metadata.name}`,
      namespace: gateway.metadata.namespace,
      gateway: gateway.metadata.name,
      role: gateway.spec.role,
      labels: model.gatewaySelectorOf(gateway),
      serviceAccount: model.gatewayServiceAccountOf(gateway),
      address: addresses(first + i).instanceIp,
      ports: Object.fromEntries(gateway.spec.listeners.map((l) => [String(l.port), localPort(l.port)])),
      listeners: gateway.spec.listeners,
      hosts,
      paths,
    };
  });
}
