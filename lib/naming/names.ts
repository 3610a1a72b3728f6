/** The cluster DNS suffix services live under. */
export const CLUSTER_DOMAIN = 'svc.cluster.local';

/** Namespace mesh resources fall into when none is given. */
export const DEFAULT_NAMESPACE = 'default';

/** `reviews.default.svc.cluster.local` */
export function serviceFqdn(name: string, namespace: string): string {
  return `${name}.${namespace}.${CLUSTER_DOMAIN}`;
}

/** Istio's outbound cluster name: `outbound|9080|v1|reviews.default.svc.cluster.local` (version empty for the whole service). */
export function outboundClusterName(port: number, fqdn: string, version = ''): string {
  return `outbound|${port}|${version}|${fqdn}`;
}

/** Istio's inbound cluster name for a workload's own port: `inbound|9080||`. */
export function inboundClusterName(port: number): string {
  return `inbound|${port}||`;
}

/** The names a client may use for a service: short, namespaced and fully qualified, each with and without the port. */
export function serviceDomains(name: string, namespace: string, port: number): string[] {
  const hosts = [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, serviceFqdn(name, namespace)];
  return hosts.flatMap((h) => [h, `${h}:${port}`]);
}

/** `spiffe://cluster.local/ns/default/sa/reviews` */
export function spiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/** Splits a SPIFFE id into its parts, or returns undefined when it is not a workload id. */
export function parseSpiffeId(id: string): { trustDomain: string; namespace: string; serviceAccount: string } | undefined {
  const m = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(id);
  return m ? { trustDomain: m[1]!, namespace: m[2]!, serviceAccount: m[3]! } : undefined;
}

/** How a resource is named in messages: `TrafficRoute default/reviews`. */
export function resourceRef(kind: string, name: string, namespace?: string): string {
  return namespace ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
}

/** A sidecar's admin port (config dump, drain, as Envoy's admin); in a pod it listens on loopback only. */
export const SIDECAR_ADMIN_PORT = 15000;

/**
 * Where a sidecar serves only /ready, /stats/prometheus and /app-health/* on its instance (pod)
 * address (Istio's 15020): the kubelet, Prometheus and the canary driver reach it here, in a pod as
 * in the local mesh.
 */
export const SIDECAR_HEALTH_PORT = 15020;

/** The label a MeshGateway's pods carry by default, valued with its name. */
export const GATEWAY_LABEL = 'meshform.dev/gateway';

/** SDS name of a `kubernetes.io/tls` Secret a gateway listener serves (Istio's `kubernetes://` convention). */
export function tlsSecretSdsName(namespace: string, name: string): string {
  return `kubernetes://${namespace}/${name}`;
}

/**
 * The sidecar's BlackHole listener (on its outbound address): under REGISTRY_ONLY the capture rules
 * send the app's TCP to every port no mesh service uses here, and the proxy refuses it with a log line.
 */
export const SIDECAR_BLACKHOLE_PORT = 15001;

/** The cluster behind the BlackHole listener: no endpoints, so every connection is refused (Istio's name). */
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
