import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../../lib/xds';
import { request } from '../../support/http-client';
import { listenerPort, startProxy, type ProxyUnderTest } from '../../support/proxy-harness';
import { UpstreamServer } from '../../support/upstream-server';
import { toStruct } from '../../../lib/xds';
import { cluster, endpoints, hcm, httpListener, listener, prefix, route, routeConfig, toCluster, virtualHost } from '../../support/xds-resources';
import { TestXdsServer } from '../../support/xds-test-server';
import { waitFor } from '../../support/wait';

const SERVICE = 'outbound|9080||reviews.default.svc.cluster.local';

describe('telemetry and admin', () => {
  let xds: TestXdsServer;
  let proxy: ProxyUnderTest;
  let app: UpstreamServer;
  let port: number;
  let policyPort: number;
  let collector: http.Server;
  const exported: { resourceSpans: { scopeSpans: { spans: { traceId: string; spanId: string; parentSpanId?: string; name: string }[] }[] }[] }[] = [];

  beforeAll(async () => {
    collector = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url === '/v1/traces') exported.push(JSON.parse(Buffer.concat(chunks).toString()));
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    xds = await TestXdsServer.start();
    app = await UpstreamServer.start('reviews');
    xds.set(TypeUrl.Cluster, [cluster(SERVICE)]);
    xds.set(TypeUrl.ClusterLoadAssignment, [endpoints(SERVICE, [app.address])]);
    xds.set(TypeUrl.RouteConfiguration, [
      routeConfig('9080', [
        virtualHost('reviews', [
          route(prefix('/policy/missing'), { direct_response: { status: 404, body: { inline_string: 'gone' } } }, { name: 'missing' }),
          route(prefix('/'), toCluster(SERVICE), { name: 'default' }),
        ]),
      ]),
    ]);
    const collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    // As the controller sends a Telemetry policy: sampling on the HCM, the rest in listener metadata.
    const policy = toStruct({
      tracing: { otlpEndpoint: collectorUrl, propagation: ['b3'], customTags: { user: { header: 'x-user' } } },
      metrics: { enabled: false },
      accessLogs: { enabled: true, format: 'json', errorsOnly: true },
    });
    xds.set(TypeUrl.Listener, [
      httpListener('0.0.0.0_9080', 0, '9080'),
      listener(
        'policy_9080',
        0,
        [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm('9080', [], { tracing: { random_sampling: { value: 100 } } }) }] }],
        { metadata: { filter_metadata: { 'meshform.dev/telemetry': policy } } },
      ),
    ]);
    proxy = await startProxy(xds, {
      tracing: { otlpEndpoint: `http://127.0.0.1:${(collector.address() as AddressInfo).port}/`, samplingPercent: 100 },
    });
    port = await listenerPort(proxy.proxy, '0.0.0.0_9080');
    policyPort = await listenerPort(proxy.proxy, 'policy_9080');
    await xds.waitForAck(TypeUrl.ClusterLoadAssignment, '1');
  });

  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([xds?.stop(), app?.close(), new Promise((resolve) => collector?.close(resolve))]);
  });

  const admin = (path: string, method = 'GET') => request(proxy.proxy.adminPort, path, { method });

  it('exposes request counts by source, destination, route and code, and duration histograms', async () => {
    for (let i = 0; i < 3; i++) await request(port, '/r', { headers: { host: 'reviews' } });
    const text = (await admin('/stats/prometheus')).body;
    expect(text).toContain(
      `meshform_requests_total{direction="outbound",source_workload="web",destination_service="reviews.default.svc.cluster.local",route="default",response_code="200",response_flags="-"} 3`,
    );
    expect(text).toMatch(/meshform_request_duration_seconds_bucket\{le="\+Inf",[^}]*route="default"[^}]*\} 3/);
    expect(text).toMatch(/meshform_response_size_bytes_count\{direction="outbound",destination_service="reviews.default.svc.cluster.local"\} 3/);
    expect(text).toMatch(/meshform_config_info\{type="Listener",version="1"\} 1/);
    expect(text).toMatch(/meshform_controller_connected 1/);
  });

  it('dumps the accepted config without private keys, and cluster state', async () => {
    const dump = JSON.parse((await admin('/config_dump')).body) as { listeners: { name: string }[]; versions: Record<string, string> };
    expect(dump.listeners.map((l) => l.name)).toEqual(['0.0.0.0_9080', 'policy_9080']);
    expect(dump.versions[TypeUrl.Cluster]).toBe('1');
    const clusters = JSON.parse((await admin('/clusters')).body) as { name: string; endpoints: { address: string }[] }[];
    expect(clusters[0]).toMatchObject({ name: SERVICE, endpoints: [{ address: app.address }] });
  });

  it('continues the caller trace and exports a span for the hop', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await request(port, '/traced', { headers: { host: 'reviews', traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    const upstreamTraceparent = JSON.parse(response.body).headers.traceparent as string;
    expect(upstreamTraceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(upstreamTraceparent).not.toContain('00f067aa0ba902b7');
    const span = await waitFor('the exported span', () =>
      exported.flatMap((batch) => batch.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))).find((s) => s.traceId === traceId),
    );
    expect(span.parentSpanId).toBe('00f067aa0ba902b7');
    expect(upstreamTraceparent.split('-')[2]).toBe(span.spanId);
  });

  it('follows a Telemetry policy: B3 only, custom span tags, errors-only access logs, no metrics', async () => {
    const response = await request(policyPort, '/policy', { headers: { host: 'reviews', 'x-user': 'jason' } });
    const seen = JSON.parse(response.body).headers as Record<string, string>;
    expect(seen['x-b3-traceid']).toMatch(/^[0-9a-f]{32}$/);
    expect(seen['traceparent']).toBeUndefined();
    const span = await waitFor('the policy span', () =>
      exported
        .flatMap((batch) => batch.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)))
        .find((s) => s.traceId === seen['x-b3-traceid']) as { attributes?: { key: string; value: { stringValue?: string } }[] } | undefined,
    );
    expect(span.attributes?.find((a) => a.key === 'user')?.value.stringValue).toBe('jason');
    await request(policyPort, '/policy/missing', { headers: { host: 'reviews' } });
    const accessLines = () => proxy.logs.filter((l) => l['event'] === 'access' && String(l['path']).startsWith('/policy'));
    await waitFor('the error access log', () => accessLines().length > 0);
    expect(accessLines().map((l) => l['response_code'])).toEqual([404]);
    expect((await admin('/stats/prometheus')).body).not.toContain('route="missing"');
  });

  it('drains on POST /drain: not ready, and the listener stops accepting', async () => {
    expect((await admin('/ready')).status).toBe(200);
    expect((await admin('/drain', 'POST')).status).toBe(200);
    await waitFor('not ready', async () => (await admin('/ready')).status === 503);
    await waitFor('listener closed', () => request(port, '/').then(() => false, () => true));
  });
});
