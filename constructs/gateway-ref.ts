import type { Listener } from './gateway-listener';

/** A gateway as routes, policies and ExternalServices see it. */
export interface IGatewayRef {
  /** Name of the MeshGateway. */
  readonly name: string;
  /** Namespace of the MeshGateway; undefined means the referring resource's namespace. */
  readonly namespace?: string;
  /** Ingress takes traffic into the mesh, Egress out of it. */
  readonly role: 'Ingress' | 'Egress';
  /** The service account the gateway's pods run as: its mesh identity. */
  readonly serviceAccount: string;
  /** The listeners routes can attach to. */
  readonly listeners: readonly Listener[];
}
