import * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../../lib/xds';
import { request } from '../../support/http-client';
import { listenerPort, startProxy, type ProxyUnderTest } from '../../support/proxy-harness';
import { UpstreamServer } from '../../support/upstream-server';
import { cluster, endpoints, httpListener, prefix, route, routeConfig, virtualHost } from '../../support/xds-resources';
import { TestXdsServer } from '../../support/xds-test-server';

const DURATION_MS = 20_000;
const RATE_PER_SECOND = 500;

describe('soak', () => {
  let xds: TestXdsServer;
  let proxy: ProxyUnderTest;
  let a: UpstreamServer;
  let b: UpstreamServer;
  let port: number;

  const routes = (weightA: number) => [
    routeConfig('80', [
      virtualHost('app', [
        route(prefix('/'), { route: { weighted_clusters: { clusters: [{ name: 'a', weight: { value: weightA } }, { name: 'b', weight: { value: 100 - weightA } }] } } }),
      ]),
    ]),
  ];

  beforeAll(async () => {
    a = await UpstreamServer.start('a', (_req, res) => res.end('a'));
    b = await UpstreamServer.start('b', (_req, res) => res.end('b'));
    xds = await TestXdsServer.start();
    xds.set(TypeUrl.Cluster, [cluster('a'), cluster('b')]);
    xds.set(TypeUrl.ClusterLoadAssignment, [endpoints('a', [a.address]), endpoints('b', [b.address])]);
    xds.set(TypeUrl.RouteConfiguration, routes(50));
    xds.set(TypeUrl.Listener, [httpListener('outbound_80', 0, '80')]);
    proxy = await startProxy(xds);
    port = await listenerPort(proxy.proxy, 'outbound_80');
    await xds.waitForAck(TypeUrl.ClusterLoadAssignment, '1');
    await xds.waitForAck(TypeUrl.RouteConfiguration, '1');
  });

  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([xds?.stop(), a?.close(), b?.close()]);
  });

  it(`serves ${RATE_PER_SECOND} rps for ${DURATION_MS / 1000} s with a config push every 100 ms and no failed request`, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const failures: string[] = [];
    let completed = 0;
    let issued = 0;
    const inFlight = new Set<Promise<void>>();
    const push = setInterval(() => {
      xds.set(TypeUrl.RouteConfiguration, routes(Math.floor(Math.random() * 101)));
      xds.set(TypeUrl.ClusterLoadAssignment, [endpoints('a', [a.address]), endpoints('b', [b.address], [1 + Math.floor(Math.random() * 5)])]);
    }, 100);
    const started = Date.now();
    const tick = setInterval(() => {
      const due = Math.floor(((Date.now() - started) * RATE_PER_SECOND) / 1000) - completed - inFlight.size;
      for (let i = 0; i < due; i++) {
        const one: Promise<void> = request(port, '/', { agent, headers: { host: 'app' } })
          .then((response) => {
            if (response.status !== 200) failures.push(`${response.status} ${response.body}`);
          })
          .catch((error: Error) => void failures.push(error.message))
          .finally(() => {
            completed += 1;
            inFlight.delete(one);
          });
        inFlight.add(one);
        issued += 1;
      }
    }, 5);
    await new Promise((resolve) => setTimeout(resolve, DURATION_MS));
    clearInterval(tick);
    clearInterval(push);
    await Promise.all(inFlight);
    agent.destroy();
    expect(failures.slice(0, 5)).toEqual([]);
    expect(completed).toBe(issued);
    expect(proxy.proxy.snapshot.generation).toBeGreaterThan(200);
  });
});
