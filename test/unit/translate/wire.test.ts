import { describe, expect, it } from 'vitest';
import { packResource, translateForProxy, type EnvoyMessage } from '../../../lib/translate';
import { messageType, TypeUrl, typeNameOf } from '../../../lib/xds';
import { meshService, model, proxyless, resource, sidecar } from '../../support/controller-fixtures';
import { droppedFields, overTheWire } from '../../support/controller-wire';
import { richMesh, richWorkloads } from '../../support/rich-mesh';

describe('every translated field reaches the wire', () => {
  for (const [kind, proxy] of [['sidecar', sidecar('web', '127.0.0.4')], ['proxyless client', proxyless()]] as const) {
    it(`encodes everything a ${kind} gets without dropping a field`, () => {
      const t = translateForProxy(richMesh, richWorkloads, proxy);
      const groups: [string, EnvoyMessage[]][] = [
        [TypeUrl.Listener, t.listeners],
        [TypeUrl.RouteConfiguration, t.routeConfigurations],
        // Sidecars only: a proxyless client's route configurations hold their virtual hosts.
        ...(kind === 'sidecar' ? [[TypeUrl.VirtualHost, t.virtualHosts] as [string, EnvoyMessage[]]] : []),
        [TypeUrl.Cluster, t.clusters],
        [TypeUrl.ClusterLoadAssignment, t.clusterLoadAssignments],
      ];
      const dropped = groups.flatMap(([url, list]) => list.flatMap((r) => droppedFields(r, overTheWire(url, r)).map((f) => `${String(r['name'] ?? r['cluster_name'])}: ${f}`)));
      expect(dropped).toEqual([]);
      expect(groups.every(([, list]) => list.length > 0)).toBe(true);
    });
  }
});

describe('route configurations packed by parts', () => {
  it('are byte for byte what protobufjs encodes, and change with a virtual host', () => {
    const mesh = (v2: number) => model(
      meshService('reviews', { ports: [{ port: 9080, protocol: 'http' }], versions: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] }),
      meshService('ratings', { ports: [{ port: 9080, protocol: 'http' }] }),
      resource('TrafficRoute', 'reviews', { service: { name: 'reviews' }, rules: [{ backends: [{ version: 'v1', weight: 100 - v2 }, { version: 'v2', weight: v2 }], timeout: '2s' }] }),
    );
    const packed = (v2: number) => {
      const rc = translateForProxy(mesh(v2), [], proxyless()).routeConfigurations[0]!;
      const type = messageType(typeNameOf(TypeUrl.RouteConfiguration));
      return { parts: Buffer.from(packResource(TypeUrl.RouteConfiguration, rc).value), whole: Buffer.from(type.encode(type.fromObject(rc)).finish()) };
    };
    const before = packed(10);
    expect(before.parts.equals(before.whole)).toBe(true);
    const after = packed(30);
    expect(after.parts.equals(after.whole)).toBe(true);
    expect(after.parts.equals(before.parts)).toBe(false);
  });
});
