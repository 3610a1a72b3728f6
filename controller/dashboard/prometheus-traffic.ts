import { moved, type InstanceRates } from '../../lib/dashboard';
import type { Sample } from '../../lib/telemetry';
import type { TrafficSource, TrafficWindow } from './traffic-source';

interface VectorResult {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/**
 * Kubernetes mode's traffic when Prometheus scrapes the sidecars (the telemetry add-on labels every
 * series with its `namespace` and `pod`): `rate(…[window])` of the request counts and latency
 * buckets per pod, the same figures local mode computes from two scrapes, so one join serves both.
 */
export class PrometheusTraffic implements TrafficSource {
  readonly kind = 'prometheus';

  constructor(
    private readonly url: string,
    private readonly windowSeconds = 60,
  ) {}

  get detail(): string {
    return this.url;
  }

  async collect(): Promise<TrafficWindow> {
    const w = `${this.windowSeconds}s`;
    const [requests, buckets] = await Promise.all([
      this.query('meshform_requests_total', `sum by (namespace, pod, direction, source_workload, destination_service, response_code, response_flags) (rate(meshform_requests_total[${w}]))`),
      this.query('meshform_request_duration_seconds_bucket', `sum by (namespace, pod, direction, destination_service, le) (rate(meshform_request_duration_seconds_bucket[${w}]))`),
    ]);
    const byPod = new Map<string, { namespace: string; name: string; samples: Sample[] }>();
    for (const sample of [...requests, ...buckets]) {
      const { namespace = '', pod = '', ...labels } = sample.labels;
      const key = `${namespace}/${pod}`;
      const entry = byPod.get(key) ?? byPod.set(key, { namespace, name: pod, samples: [] }).get(key)!;
      entry.samples.push({ ...sample, labels });
    }
    return { rates: [...byPod.values()] satisfies InstanceRates[], seconds: this.windowSeconds };
  }

  private async query(name: string, promql: string): Promise<Sample[]> {
    const res = await fetch(`${this.url.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(promql)}`, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { status?: string; error?: string; data?: { result?: VectorResult[] } };
    if (body.status !== 'success') throw new Error(`Prometheus at ${this.url} refused ${promql}: ${body.error ?? res.status}`);
    return (body.data?.result ?? []).map((r) => ({ name, labels: r.metric, value: Number(r.value[1]) })).filter(moved);
  }
}
