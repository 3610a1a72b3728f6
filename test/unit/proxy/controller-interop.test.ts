import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { translateForProxy } from '../../../lib/translate';
import { packAny, TypeUrl } from '../../../lib/xds';
import { ClusterManager } from '../../../proxy/cluster/cluster-manager';
import { ConfigStore } from '../../../proxy/config/config-store';
import { createHttpChainBuilder } from '../../../proxy/filters/registry';
import { ProxyMetrics } from '../../../proxy/telemetry/metrics';
import { sidecar } from '../../support/controller-fixtures';
import { richMesh, richWorkloads } from '../../support/rich-mesh';

/**
 * The proxy and the controller meet only on the wire; this checks, without a socket, that the
 * proxy accepts (ACKs) everything the shared translation produces for a sidecar of a rich mesh.
 */
describe('the proxy accepts what the controller translates', () => {
  for (const [workload, ip] of [['web', '127.0.0.4'], ['reviews', '127.0.0.2'], ['ratings', '127.0.0.5']] as const) {
    it(`ACKs every resource type sent to the ${workload} sidecar, in ADS order, then its VHDS virtual hosts`, () => {
      const translation = translateForProxy(richMesh, richWorkloads, sidecar(workload, ip));
      const metrics = new ProxyMetrics();
      const store = new ConfigStore(createHttpChainBuilder({ logger: pino({ level: 'silent' }), metrics }), new ClusterManager(metrics));
      const apply = (typeUrl: string, messages: readonly object[]) =>
        store.apply(typeUrl, '1', messages.map((message) => packAny(typeUrl, message)));
      expect(apply(TypeUrl.Cluster, translation.clusters)).toBeUndefined();
      expect(apply(TypeUrl.ClusterLoadAssignment, translation.clusterLoadAssignments)).toBeUndefined();
      expect(apply(TypeUrl.Listener, translation.listeners)).toBeUndefined();
      expect(apply(TypeUrl.RouteConfiguration, translation.routeConfigurations)).toBeUndefined();
      expect(translation.virtualHosts.length).toBeGreaterThan(0);
      const virtualHosts = translation.virtualHosts.map((host) => ({ name: String(host['name']), version: '1', resource: packAny(TypeUrl.VirtualHost, host) }));
      expect(store.applyVirtualHosts('1', virtualHosts, [])).toBeUndefined();
      // Each virtual host VHDS delivers is in the table of the route configuration it names, by its domains.
      expect(store.wanted().vhds).toEqual(translation.routeConfigurations.map((config) => config['name']).sort());
      for (const host of translation.virtualHosts) {
        const name = String(host['name']);
        const table = store.current.routes.get(name.slice(0, name.lastIndexOf('/')));
        for (const domain of host['domains'] as string[]) expect(table?.virtualHostFor(domain)?.name).toBe(name);
      }
      expect([...store.current.listeners.keys()].some((name) => name.startsWith(`inbound_${ip}_`))).toBe(true);
      expect(store.wanted().secrets).toEqual(['ROOTCA', 'default']);
    });
  }
});
