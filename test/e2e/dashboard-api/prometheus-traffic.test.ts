import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardCollector, PrometheusTraffic } from '../../../controller/dashboard';
import { readMeshDir } from '../../../lib/manifests';
import type { LocalMesh } from '../../../runner';
import { eventually } from '../../support/controller-harness';
import { PrometheusServer } from '../mesh/prometheus-server';
import { service, startMesh, steadyLoad } from '../mesh/local-mesh-fixture';

// With --prometheus-url the dashboard reads rate(…[window]) per pod from a real Prometheus scraping
// the sidecars (labelled namespace and pod, as the telemetry add-on's Kubernetes discovery does).
let mesh: LocalMesh;
let manifests: string;
let prometheus: PrometheusServer | undefined;
let stopLoad: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ mesh, manifests } = await startMesh((chart) => {
    service(chart, 'web');
    service(chart, 'reviews', ['v1', 'v2']);
  }, { ingressServiceAccount: 'edge' }));
  const sidecars = mesh.instances.filter((i) => i.sidecar).map((i) => ({ address: i.adminAddress!, labels: { namespace: i.namespace, pod: i.name } }));
  prometheus = await PrometheusServer.start(fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-prometheus-')), sidecars);
  stopLoad = steadyLoad(mesh, ['web', 'reviews']);
}, 90_000);
afterAll(async () => {
  await stopLoad?.();
  prometheus?.stop();
  await mesh?.stop();
});

describe('dashboard traffic from Prometheus', () => {
  it('draws the same graph from PromQL rates as from the sidecars: edges per version with rate, success and p99', async () => {
    const resources = readMeshDir(manifests).resources;
    const workloads = mesh.instances.map((i) => ({ name: i.name, namespace: i.namespace, address: i.instanceIp, labels: i.labels }));
    const collector = new DashboardCollector({ source: new PrometheusTraffic(prometheus!.url, 5), resources: () => resources, workloads: () => workloads, gateways: () => [{ namespace: 'shop', name: 'ingress', serviceAccount: 'edge' }], log: pino({ level: 'silent' }) });
    try {
      const graph = await eventually(async () => {
        const g = await collector.watched();
        const versions = g.edges.filter((e) => e.source === 'shop/ingress' && e.target.startsWith('shop/reviews/') && e.signals.rps > 0);
        return versions.length === 2 && g.edges.some((e) => e.id === 'shop/ingress->shop/web' && e.signals.rps > 0) ? g : undefined;
      }, 'edges to web and to both reviews versions', 30_000);
      expect(collector.source).toEqual({ kind: 'prometheus', detail: prometheus!.url });
      expect(graph.windowSeconds).toBe(5);
      const web = graph.edges.find((e) => e.id === 'shop/ingress->shop/web')!;
      expect(web).toMatchObject({ mtls: true, deniedRps: 0, signals: { successRate: 1 } });
      expect(web.signals.p99Ms).toBeGreaterThan(0);
    } finally {
      collector.stop();
    }
  });

  it('says which query Prometheus refused', async () => {
    const broken = new PrometheusTraffic(prometheus!.url, 0);
    await expect(broken.collect()).rejects.toThrow(/Prometheus at http:\/\/127\.0\.0\.1:\d+ refused sum by .*\[0s\]/);
  });
});
