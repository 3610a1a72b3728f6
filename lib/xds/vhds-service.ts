import type { ServiceDefinition } from '@grpc/grpc-js';
import type { PackedAny } from './any';
import { xdsStreamMethod, type RpcStatus, type XdsNode } from './ads-service';
import { DiscoveryMessage } from './type-urls';

/** envoy.service.discovery.v3.DeltaDiscoveryRequest, as far as VHDS uses it. */
export interface DeltaDiscoveryRequest {
  node?: XdsNode;
  type_url: string;
  resource_names_subscribe?: string[];
  resource_names_unsubscribe?: string[];
  /** What the client already holds (on a new stream): resource name → version. */
  initial_resource_versions?: Record<string, string>;
  response_nonce?: string;
  error_detail?: RpcStatus | null;
}

/** One resource of a delta response: its name, its version, the message. */
export interface DeltaResource {
  name: string;
  version: string;
  resource: PackedAny;
  aliases?: string[];
}

/** envoy.service.discovery.v3.DeltaDiscoveryResponse: only what changed, and what was removed. */
export interface DeltaDiscoveryResponse {
  system_version_info: string;
  resources: DeltaResource[];
  type_url: string;
  removed_resources: string[];
  nonce: string;
}

/** How a resource names the controller as an xDS server outside ADS (a VHDS source): Istio's bootstrap name for it. */
export const XDS_CLUSTER = 'xds-grpc';

/** The route configuration a VHDS virtual host belongs to: its name is `<route configuration>/<host>`, and a host has no `/`. */
export function routeConfigOfVirtualHost(name: string): string {
  return name.slice(0, Math.max(0, name.lastIndexOf('/')));
}

export const VHDS_SERVICE_NAME = 'envoy.service.route.v3.VirtualHostDiscoveryService';
export const VHDS_METHOD_PATH = `/${VHDS_SERVICE_NAME}/DeltaVirtualHosts`;

/**
 * Envoy's Virtual Host Discovery Service (delta xDS, its own stream beside ADS): a route
 * configuration with `vhds` holds few virtual hosts itself and receives the others one by one, so
 * a change of one service sends that service's virtual host, not the whole table.
 */
export const vhdsServiceDefinition: ServiceDefinition = {
  DeltaVirtualHosts: xdsStreamMethod<DeltaDiscoveryRequest, DeltaDiscoveryResponse>(VHDS_METHOD_PATH, DiscoveryMessage.DeltaRequest, DiscoveryMessage.DeltaResponse),
};
