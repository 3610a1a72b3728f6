import type { TranslationContext } from './context';
import { clusterNameOf, type OutboundService } from './destinations';
import type { EnvoyMessage } from './envoy-types';
import { socketAddress, wrapped } from './proto-values';
import { egressHopOf, gatewayInstances } from './egress';
import { endpointPort, indexedInstancesOf, type WorkloadInstance } from './workloads';

interface Endpoint {
  readonly address: string;
  readonly port: number;
  readonly locality: { region?: string; zone?: string; sub_zone?: string };
}

/**
 * EDS for a destination's EDS clusters. Every locality entry carries a locality and a non-zero
 * weight, and no address appears twice: grpc-js-xds rejects the assignment otherwise.
 */
export function loadAssignmentsOf(ctx: TranslationContext, destination: OutboundService): EnvoyMessage[] {
  if (destination.mesh) {
    const service = destination.mesh;
    const versions = [undefined, ...service.spec.versions.map((v) => v.name)];
    return versions.map((version) =>
      loadAssignment(
        clusterNameOf(destination, version),
        indexedInstancesOf(service, ctx.index, version).map((w) => ({
          address: w.address,
          port: endpointPort(service, w, destination.port),
          locality: localityOf(w),
        })),
      ),
    );
  }
  const external = destination.external!;
  const hop = egressHopOf(ctx, destination);
  if (hop) {
    const instances = gatewayInstances(ctx, hop.gateway).map((w) => ({ address: w.address, port: w.ports?.[String(hop.port)] ?? hop.port, locality: localityOf(w) }));
    return [loadAssignment(clusterNameOf(destination), instances)];
  }
  if (external.spec.resolution !== 'STATIC') return [];
  return [
    loadAssignment(
      clusterNameOf(destination),
      external.spec.endpoints.map((e) => ({ address: e.address, port: e.port ?? destination.port, locality: {} })),
    ),
  ];
}

function localityOf(w: WorkloadInstance): Endpoint['locality'] {
  return { region: w.locality?.region, zone: w.locality?.zone, sub_zone: w.locality?.subZone };
}

function loadAssignment(clusterName: string, endpoints: readonly Endpoint[]): EnvoyMessage {
  const byLocality = new Map<string, { locality: Endpoint['locality']; addresses: Map<string, Endpoint> }>();
  for (const endpoint of endpoints) {
    const locality = Object.fromEntries(Object.entries(endpoint.locality).filter(([, v]) => v !== undefined));
    const key = JSON.stringify(locality);
    const group = byLocality.get(key) ?? { locality, addresses: new Map() };
    group.addresses.set(`${endpoint.address}:${endpoint.port}`, endpoint);
    byLocality.set(key, group);
  }
  const sorted = [...byLocality.entries()].sort(([a], [b]) => a.localeCompare(b));
  return {
    cluster_name: clusterName,
    endpoints: sorted.map(([, group]) => ({
      locality: group.locality,
      load_balancing_weight: wrapped(group.addresses.size),
      lb_endpoints: [...group.addresses.values()]
        .sort((a, b) => a.address.localeCompare(b.address) || a.port - b.port)
        .map((e) => ({ endpoint: { address: socketAddress(e.address, e.port) }, health_status: 'HEALTHY', load_balancing_weight: wrapped(1) })),
    })),
  };
}
