import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeMesh } from '../../../cli/up-command';
import type { DashboardSnapshot, GraphEdge, ServiceDetail } from '../../../lib/dashboard';
import { TypeUrl } from '../../../lib/xds';
import type { LocalMesh } from '../../../runner';
import { AdsTestClient } from '../../support/controller-ads-client';
import { sidecarNode } from '../../support/controller-fixtures';
import { eventually } from '../../support/controller-harness';
import { startDashboardMesh } from '../dashboard/dashboard-mesh';

// The dashboard's API on a running local mesh with traffic: what the page draws comes from here.

let mesh: LocalMesh;
let stopLoad: (() => Promise<void>) | undefined;
let nacking: AdsTestClient | undefined;

const snapshot = async (): Promise<DashboardSnapshot> => (await fetch(`http://${mesh.controllerAdmin}/debug/dashboard/api/snapshot`)).json() as Promise<DashboardSnapshot>;
/** Polls the snapshot until `pick` finds something in it. */
const inSnapshot = <T>(pick: (s: DashboardSnapshot) => T | undefined, what: string): Promise<T> => eventually(async () => pick(await snapshot()), what, 30_000);
const edgeWithTraffic = (id: string) => inSnapshot((s) => s.edges.find((e: GraphEdge) => e.id === id && e.signals.rps > 0), `edge ${id} with traffic`);

beforeAll(async () => {
  ({ mesh, stopLoad } = await startDashboardMesh('1s'));
}, 90_000);
afterAll(async () => {
  nacking?.close();
  await stopLoad?.();
  await mesh?.stop();
});

describe('the dashboard API on a local mesh', () => {
  it('is where `npm start` says the dashboard is, page and API', async () => {
    const url = /^dashboard: (\S+)$/m.exec(describeMesh(mesh, []))?.[1];
    expect(url).toBe(`http://${mesh.controllerAdmin}/debug/dashboard/`);
    const res = await fetch(`${url}api/snapshot`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as DashboardSnapshot).nodes.length).toBeGreaterThan(0);
    const page = await fetch(url!);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<title>Meshform dashboard</title>');
    expect((await fetch(`${url}app.js`)).status).toBe(200);
  });

  it('lists every service and version of the mesh, and the ingress as a gateway', async () => {
    const s = await inSnapshot((x) => (x.nodes.some((n) => n.kind === 'gateway') ? x : undefined), 'the ingress node');
    expect(s.source.kind).toBe('sidecars');
    expect(s.nodes.filter((n) => n.kind === 'service').map((n) => n.id)).toEqual(['shop/locked', 'shop/reviews', 'shop/web']);
    expect(s.nodes.filter((n) => n.kind === 'version').map((n) => [n.id, n.parent])).toEqual([
      ['shop/reviews/v1', 'shop/reviews'],
      ['shop/reviews/v2', 'shop/reviews'],
    ]);
    expect(s.nodes.filter((n) => n.kind === 'gateway').map((n) => n.id)).toEqual(['shop/ingress']);
  });

  it('shows the edges that carry traffic with their rate, success and p99, over mTLS', async () => {
    const edge = await edgeWithTraffic('shop/ingress->shop/web');
    expect(edge.mtls).toBe(true);
    expect(edge.signals.successRate).toBe(1);
    expect(edge.signals.p99Ms).toBeGreaterThan(0);
    expect(edge.deniedRps).toBe(0);
  });

  it("shows the calls an AccessPolicy refuses as denied on their edge", async () => {
    const edge = await edgeWithTraffic('shop/ingress->shop/locked');
    expect(edge.deniedRps).toBeGreaterThan(0);
    expect(edge.deniedRps).toBe(edge.signals.rps);
    // A refused call did not succeed, though no 5xx says so.
    expect(edge.signals.successRate).toBe(0);
  });

  it("shows the canary's steps and its promotion in its history as the driver takes them", async () => {
    const canary = await inSnapshot((s) => s.canaries.find((c) => c.name === 'reviews-route' && c.phase === 'Succeeded'), 'the canary promoted');
    expect(canary).toMatchObject({ namespace: 'shop', service: 'reviews', weight: 100 });
    expect(canary.history.map((e) => [e.kind, e.weight])).toEqual([
      ['start', 25],
      ['step', 50],
      ['promote', 100],
    ]);
    expect(canary.checks.map((c) => c.passed)).toEqual([true, true]);
  });

  it("gives a service's routes with the weights in force and its series", async () => {
    const detail = await eventually(async () => {
      const d = (await (await fetch(`http://${mesh.controllerAdmin}/debug/dashboard/api/services/shop/web`)).json()) as ServiceDetail;
      return d.series.rps.some((r) => r > 0) ? d : undefined;
    }, 'a series point with traffic', 30_000);
    expect(detail.series.t.length).toBe(detail.series.rps.length);
    const reviews = (await (await fetch(`http://${mesh.controllerAdmin}/debug/dashboard/api/services/shop/reviews`)).json()) as ServiceDetail;
    const weights = reviews.routes.flatMap((r) => r.rules.flatMap((rule) => rule.backends.map((b) => `${b.version}:${b.weight}`)));
    expect(weights).toEqual(expect.arrayContaining([expect.stringMatching(/^v2:/)]));
  });

  it("shows each sidecar's ACKed versions and certificate expiry, and a NACK with its reason on the proxy that sent it", async () => {
    const host = mesh.controllerAdmin.split(':')[0]!;
    const node = sidecarNode('web', '127.0.0.99', {}, 'shop');
    nacking = new AdsTestClient(`${host}:15010`, node);
    nacking.subscribe(TypeUrl.Cluster);
    const clusters = await nacking.next(TypeUrl.Cluster);
    nacking.nack(clusters, '', 'cluster outbound|9080||reviews.shop.svc.cluster.local: unsupported field');
    const proxy = await inSnapshot((s) => s.proxies.find((p) => p.id === node.id && p.lastNack), 'the NACK on its proxy');
    expect(proxy.lastNack).toMatchObject({ type: 'CDS', version: clusters.version_info, reason: 'cluster outbound|9080||reviews.shop.svc.cluster.local: unsupported field' });
    const sidecar = (await snapshot()).proxies.find((p) => p.workload === 'reviews' && p.role === 'sidecar')!;
    expect(Object.keys(sidecar.acked)).toEqual(expect.arrayContaining(['LDS', 'CDS', 'SDS']));
    expect(Date.parse(sidecar.certificateExpiry!)).toBeGreaterThan(Date.now());
    expect(sidecar.lastNack).toBeUndefined();
  });
});
