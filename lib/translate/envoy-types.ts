/**
 * Envoy v3 messages as plain objects in proto field names (keepCase). Embedded `Any` fields are
 * objects carrying `@type`; `lib/xds` packs them. Kept loose on purpose: the proto schema is the
 * type, checked when the controller packs each resource.
 */
export type EnvoyMessage = { [field: string]: unknown };

/** Everything one proxy is sent, by xDS type, each resource named as Envoy names it. */
export interface ProxyResources {
  readonly listeners: EnvoyMessage[];
  readonly routeConfigurations: EnvoyMessage[];
  /** The virtual hosts a sidecar's route configurations leave to VHDS, one resource each. */
  readonly virtualHosts: EnvoyMessage[];
  readonly clusters: EnvoyMessage[];
  readonly clusterLoadAssignments: EnvoyMessage[];
  /** SDS secret names the proxy's listeners and clusters refer to. */
  readonly secretNames: string[];
}
