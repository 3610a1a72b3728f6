import { describe, expect, it } from 'vitest';
import { SidecarTraffic } from '../../../controller/dashboard';
import { shopWorkloads } from './dashboard-fixtures';

describe("local mode's traffic from the sidecars", () => {
  it('scrapes every instance at its health port and gives rates from the second scrape on, over the time between', async () => {
    let now = 0;
    let served = 0;
    const scraped: string[] = [];
    const traffic = new SidecarTraffic(
      () => shopWorkloads,
      async (address) => {
        scraped.push(address);
        if (address.startsWith('127.0.0.3')) throw new Error('ECONNREFUSED');
        return `meshform_requests_total{direction="inbound",source_workload="web",response_code="200"} ${served}\n`;
      },
      () => now,
    );
    expect(await traffic.collect()).toBeUndefined();
    expect(scraped).toEqual(['127.0.0.1:15020', '127.0.0.2:15020', '127.0.0.3:15020']);
    now += 4_000;
    served += 20;
    const window = await traffic.collect();
    expect(window?.seconds).toBe(4);
    // The unreachable sidecar is left out rather than counted as silent.
    expect(window?.rates.map((r) => [r.name, r.samples.map((s) => s.value)])).toEqual([
      ['web-0', [5]],
      ['reviews-v1-0', [5]],
    ]);
    expect(traffic.detail).toBe("3 sidecars' /stats/prometheus on port 15020");
  });
});
