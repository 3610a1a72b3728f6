import { ratesBetween, type InstanceRates } from '../../lib/dashboard';
import { SIDECAR_HEALTH_PORT } from '../../lib/naming';
import { parsePrometheusText, type Sample } from '../../lib/telemetry';
import type { WorkloadInstance } from '../../lib/translate';
import { scrapeSidecar } from '../canary';
import type { TrafficSource, TrafficWindow } from './traffic-source';

interface Scrape {
  readonly at: number;
  readonly samples: Sample[];
}

/**
 * Local mode's traffic: every workload instance's sidecar scraped at its health port (as the canary
 * driver reads the canary's), rates from each counter's delta since the previous scrape.
 */
export class SidecarTraffic implements TrafficSource {
  readonly kind = 'sidecars';
  private previous = new Map<string, Scrape>();
  private instances = 0;

  constructor(
    private readonly workloads: () => readonly WorkloadInstance[],
    private readonly scrape: (address: string) => Promise<string> = scrapeSidecar,
    private readonly now: () => number = Date.now,
  ) {}

  get detail(): string {
    return `${this.instances} sidecars' /stats/prometheus on port ${SIDECAR_HEALTH_PORT}`;
  }

  async collect(): Promise<TrafficWindow | undefined> {
    const workloads = this.workloads();
    this.instances = workloads.length;
    const scraped = await Promise.all(
      workloads.map(async (w) => {
        const text = await this.scrape(`${w.address}:${SIDECAR_HEALTH_PORT}`).catch(() => undefined);
        return { w, scrape: text === undefined ? undefined : { at: this.now(), samples: parsePrometheusText(text) } };
      }),
    );
    const next = new Map<string, Scrape>();
    const rates: InstanceRates[] = [];
    let seconds = 0;
    for (const { w, scrape } of scraped) {
      if (!scrape) continue;
      const key = `${w.namespace}/${w.name}/${w.address}`;
      next.set(key, scrape);
      const before = this.previous.get(key);
      if (!before || scrape.at <= before.at) continue;
      const window = (scrape.at - before.at) / 1000;
      seconds = Math.max(seconds, window);
      rates.push({ namespace: w.namespace, name: w.name, samples: ratesBetween(before.samples, scrape.samples, window) });
    }
    // Instances that went away are forgotten with their counters.
    this.previous = next;
    return rates.length > 0 ? { rates, seconds } : undefined;
  }
}
