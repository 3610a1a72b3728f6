import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../../lib/xds';
import { request } from '../../support/http-client';
import { listenerPort, startProxy, type ProxyUnderTest } from '../../support/proxy-harness';
import { UpstreamServer } from '../../support/upstream-server';
import { httpListener, prefix, route, routeConfig, toCluster, virtualHost } from '../../support/xds-resources';
import { TestXdsServer } from '../../support/xds-test-server';

describe('catch-all virtual host (outbound policy)', () => {
  let xds: TestXdsServer;
  let proxy: ProxyUnderTest;
  let external: UpstreamServer;
  let port: number;

  beforeAll(async () => {
    external = await UpstreamServer.start('external');
    xds = await TestXdsServer.start();
    xds.set(TypeUrl.Cluster, [
      { name: 'PassthroughCluster', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', original_dst_lb_config: { use_http_header: true }, connect_timeout: { seconds: 1 } },
    ]);
    xds.set(TypeUrl.RouteConfiguration, [
      routeConfig('80', [
        virtualHost('allow-any', [route(prefix('/'), toCluster('PassthroughCluster', { timeout: { seconds: 0 } }))], ['*']),
      ]),
      routeConfig('81', [
        virtualHost('registry-only', [route(prefix('/'), { direct_response: { status: 502, body: { inline_string: 'destination not in the mesh registry' } } })], ['*']),
      ]),
    ]);
    xds.set(TypeUrl.Listener, [httpListener('outbound_80', 0, '80'), httpListener('outbound_81', 0, '81')]);
    proxy = await startProxy(xds);
    port = await listenerPort(proxy.proxy, 'outbound_80');
    await xds.waitForAck(TypeUrl.RouteConfiguration, '1');
  });

  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([xds?.stop(), external?.close()]);
  });

  it('passes a request through to its original destination under ALLOW_ANY', async () => {
    const response = await request(port, '/out', { headers: { host: 'example.org', 'x-envoy-original-dst-host': external.address } });
    expect(response.status).toBe(200);
    expect(response.headers['x-upstream']).toBe('external');
  });

  it('answers 503 when the original destination is unknown', async () => {
    const response = await request(port, '/out', { headers: { host: 'example.org' } });
    expect(response.status).toBe(503);
    expect(response.headers['x-meshform-error']).toBe('NO_HEALTHY_UPSTREAM');
  });

  it('answers the 502 direct response under REGISTRY_ONLY', async () => {
    const response = await request(await listenerPort(proxy.proxy, 'outbound_81'), '/out', { headers: { host: 'example.org' } });
    expect(response.status).toBe(502);
    expect(response.body).toBe('destination not in the mesh registry');
  });
});
