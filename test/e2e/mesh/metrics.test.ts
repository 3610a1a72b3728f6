import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalMesh } from '../../../runner';
import { call, many, service, startMesh } from './local-mesh-fixture';
import { PrometheusServer } from './prometheus-server';

let mesh: LocalMesh;
let prometheus: PrometheusServer;
beforeAll(async () => {
  ({ mesh } = await startMesh((chart) => {
    service(chart, 'catalog');
    service(chart, 'orders');
  }));
  const sidecars = [mesh.ingress.adminAddress, ...mesh.instances.map((i) => i.adminAddress!)];
  prometheus = await PrometheusServer.start(fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-prometheus-')), sidecars);
}, 120_000);
afterAll(async () => {
  prometheus?.stop();
  await mesh?.stop();
});

// Over the counters since start (the test's traffic is all there is), so one scrape after the
// traffic is enough; dashboards use the same expressions over rate(...[1m]).
const TOTAL = `sum by (destination_service) (meshform_requests_total{direction="inbound"})`;
const SUCCESS_RATE = `sum by (destination_service) (meshform_requests_total{direction="inbound",response_code!~"5.."}) / ${TOTAL}`;
const P99 = `histogram_quantile(0.99, sum by (destination_service, le) (meshform_request_duration_seconds_bucket{direction="inbound"}))`;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('metrics scraped by a real Prometheus', () => {
  it('scrapes every sidecar', async () => {
    const targets = await until('every target up', async () => {
      const t = await prometheus.targets();
      return t.length === mesh.instances.length + 1 && t.every((x) => x.health === 'up') ? t : undefined;
    });
    expect(targets.map((t) => t.scrapeUrl).sort()).toEqual([mesh.ingress.adminAddress, ...mesh.instances.map((i) => i.adminAddress!)].map((a) => `http://${a}/stats/prometheus`).sort());
  });

  it("answers each service's success rate and p99 with PromQL", async () => {
    mesh.of('catalog')[0]!.app.setKnobs({ failureRate: 0.2 });
    mesh.of('orders')[0]!.app.setKnobs({ latencyMs: 50 });
    const catalog = await many(300, 10, () => call(mesh, 'catalog', '/x'));
    await many(100, 10, () => call(mesh, 'orders', '/x'));
    const observed = catalog.filter((r) => r.status === 200).length / catalog.length;

    await until('all requests scraped', async () => {
      const totals = (await prometheus.query(TOTAL)).map((s) => s.value).sort((a, b) => a - b);
      return totals.length === 2 && totals[0] === 100 && totals[1] === 300 ? true : undefined;
    });
    const rates = new Map((await prometheus.query(SUCCESS_RATE)).map((s) => [s.metric.destination_service!, s.value]));
    const catalogName = [...rates.keys()].find((k) => k.startsWith('catalog'))!;
    const ordersName = [...rates.keys()].find((k) => k.startsWith('orders'))!;
    expect(rates.get(catalogName)).toBeCloseTo(observed, 1);
    expect(rates.get(ordersName)).toBe(1);

    const p99 = new Map((await prometheus.query(P99)).map((s) => [s.metric.destination_service!, s.value]));
    expect(p99.get(ordersName)).toBeGreaterThanOrEqual(0.05);
    expect(p99.get(ordersName)).toBeLessThan(1);
  });

  it('exposes metrics that pass promtool check metrics', async () => {
    const text = await (await fetch(`http://${mesh.ingress.adminAddress}/stats/prometheus`)).text();
    const result = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    expect(result.trim()).toBe('');
  });
});
