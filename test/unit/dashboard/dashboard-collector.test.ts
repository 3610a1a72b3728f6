import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DashboardCollector, SignalSeries, type TrafficSource } from '../../../controller/dashboard';
import { requests, shopResources, shopWorkloads } from './dashboard-fixtures';

class CountingSource implements TrafficSource {
  readonly kind = 'sidecars';
  readonly detail = 'test';
  collects = 0;
  failing = false;
  async collect() {
    this.collects += 1;
    if (this.failing) throw new Error('sidecars unreachable');
    return { seconds: 3, rates: [{ namespace: 'shop', name: 'web-0', samples: [requests('inbound', { source_workload: 'unknown', response_code: '200' }, this.collects)] }] };
  }
}

describe('dashboard collection', () => {
  let now = 0;
  let source: CountingSource;
  let collector: DashboardCollector;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    now = 1_000_000;
    source = new CountingSource();
    collector = new DashboardCollector({ source, resources: shopResources, workloads: () => shopWorkloads, gateways: () => [], log: pino({ level: 'silent' }), intervalMs: 3_000, idleMs: 60_000, seriesLength: 3, now: () => now });
  });
  afterEach(() => {
    collector.stop();
    vi.useRealTimers();
  });

  const tick = async () => {
    now += 3_000;
    await vi.advanceTimersByTimeAsync(3_000);
  };

  it('reads nothing until the dashboard is watched', async () => {
    await tick();
    await tick();
    expect(source.collects).toBe(0);
  });

  it('collects at once when watched, then every interval while watched within the idle time, then stops', async () => {
    const graph = await collector.watched();
    expect(source.collects).toBe(1);
    expect(graph.nodes.find((n) => n.id === 'shop/web')!.signals.rps).toBe(1);
    await tick();
    await tick();
    expect(source.collects).toBe(3);
    now += 60_000;
    await tick();
    expect(collector.active).toBe(false);
    const stoppedAt = source.collects;
    await tick();
    expect(source.collects).toBe(stoppedAt);
  });

  it('gives requests that arrive during the first collection its graph, from that one collection', async () => {
    const graphs = await Promise.all([collector.watched(), collector.watched(), collector.watched()]);
    expect(source.collects).toBe(1);
    expect(graphs.map((g) => g.nodes.find((n) => n.id === 'shop/web')!.signals.rps)).toEqual([1, 1, 1]);
  });

  it("keeps each service's last points only, oldest first", async () => {
    await collector.watched();
    for (let i = 0; i < 4; i++) await tick();
    const series = collector.seriesOf('shop', 'web').toJSON();
    expect(series.rps).toEqual([3, 4, 5]);
    expect(series.t).toEqual([1_006_000, 1_009_000, 1_012_000]);
    expect(series.successRate).toEqual([1, 1, 1]);
  });

  it('keeps the last graph when a collection fails', async () => {
    await collector.watched();
    source.failing = true;
    await tick();
    expect((await collector.watched()).nodes.find((n) => n.id === 'shop/web')!.signals.rps).toBe(1);
  });

  it('a series holds at most its capacity', () => {
    const series = new SignalSeries(2);
    for (const rps of [1, 2, 3]) series.push(rps, { rps, successRate: null, p99Ms: null });
    expect(series.toJSON()).toEqual({ t: [2, 3], rps: [2, 3], successRate: [null, null], p99Ms: [null, null] });
  });
});
