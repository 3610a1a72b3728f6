import type { Metric, MetricValueWithName, Registry } from 'prom-client';

/** The labels of one finished request. */
export interface RequestLabels {
  readonly direction: 'inbound' | 'outbound';
  readonly source_workload: string;
  readonly destination_service: string;
  readonly route: string;
  readonly response_code: string;
  readonly response_flags: string;
}

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const SIZE_BUCKETS = [0, 64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304];

/** Observations of one histogram series: a count per bucket (not cumulative), their sum and count. */
class Distribution {
  readonly perBucket: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.perBucket = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.perBucket[i]! += 1;
        return;
      }
    }
  }

  add(other: Distribution): void {
    this.sum += other.sum;
    this.count += other.count;
    for (let i = 0; i < this.perBucket.length; i++) this.perBucket[i]! += other.perBucket[i]!;
  }
}

/** Everything recorded for one label set. */
interface Series {
  readonly labels: RequestLabels;
  requests: number;
  readonly duration: Distribution;
  readonly requestSize: Distribution;
  readonly responseSize: Distribution;
}

type LabelName = keyof RequestLabels;
type Value = MetricValueWithName<string> & { sharedLabels?: Record<string, string> };

/**
 * The per-request metrics (Istio's request count, duration and sizes). A request adds to its
 * label set's series, found by one key; the label set itself, and the label subsets each
 * histogram keeps, are resolved when a series is first seen and again only when Prometheus
 * scrapes. prom-client would hash, validate and bucket each label set for each metric on every
 * request. The exposition is prom-client's own: these register in its registry.
 */
export class RequestMetrics {
  private readonly series = new Map<string, Series>();

  constructor(registry: Registry) {
    const register = (name: string, help: string, type: 'counter' | 'histogram', values: () => Value[]) => {
      // The registry reads name, help, type, get() and reset(); prom-client types metrics as its own classes.
      const metric = { name, help, type, aggregator: 'sum', get: async () => ({ name, help, type, aggregator: 'sum', values: values() }), reset: () => this.series.clear() };
      registry.registerMetric(metric as unknown as Metric);
    };
    register('meshform_requests_total', 'Requests handled by the proxy, by source, destination, route and response code.', 'counter', () =>
      [...this.series.values()].map((s) => ({ labels: { ...s.labels }, value: s.requests })),
    );
    const histogram = (name: string, help: string, labelNames: readonly LabelName[], pick: (s: Series) => Distribution) =>
      register(name, help, 'histogram', () => this.histogramValues(name, labelNames, pick));
    histogram('meshform_request_duration_seconds', 'Time from the first request byte to the last response byte.', ['direction', 'destination_service', 'route', 'response_code'], (s) => s.duration);
    histogram('meshform_request_size_bytes', 'Request body sizes.', ['direction', 'destination_service'], (s) => s.requestSize);
    histogram('meshform_response_size_bytes', 'Response body sizes.', ['direction', 'destination_service'], (s) => s.responseSize);
  }

  /**
   * Records a finished request. `key` names its label set uniquely (the caller builds it from what
   * it has at hand); `labels` is called only for a key not seen before.
   */
  record(key: string, labels: () => RequestLabels, seconds: number, requestBytes: number, responseBytes: number): void {
    let series = this.series.get(key);
    if (!series) {
      series = { labels: labels(), requests: 0, duration: new Distribution(DURATION_BUCKETS), requestSize: new Distribution(SIZE_BUCKETS), responseSize: new Distribution(SIZE_BUCKETS) };
      this.series.set(key, series);
    }
    series.requests += 1;
    series.duration.observe(seconds);
    series.requestSize.observe(requestBytes);
    series.responseSize.observe(responseBytes);
  }

  /** A histogram's exposition: series that share its label subset are added up, buckets made cumulative. */
  private histogramValues(name: string, labelNames: readonly LabelName[], pick: (s: Series) => Distribution): Value[] {
    const merged = new Map<string, { labels: Record<string, string>; distribution: Distribution }>();
    for (const series of this.series.values()) {
      const labels = Object.fromEntries(labelNames.map((label) => [label, series.labels[label]]));
      const key = labelNames.map((label) => series.labels[label]).join('\u0000');
      let entry = merged.get(key);
      if (!entry) {
        entry = { labels, distribution: new Distribution(pick(series).bounds) };
        merged.set(key, entry);
      }
      entry.distribution.add(pick(series));
    }
    const values: Value[] = [];
    for (const { labels, distribution } of merged.values()) {
      let cumulative = 0;
      distribution.bounds.forEach((bound, i) => {
        cumulative += distribution.perBucket[i]!;
        values.push({ metricName: `${name}_bucket`, labels: { le: bound }, sharedLabels: labels, value: cumulative });
      });
      values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' }, sharedLabels: labels, value: distribution.count });
      values.push({ metricName: `${name}_sum`, labels: {}, sharedLabels: labels, value: distribution.sum });
      values.push({ metricName: `${name}_count`, labels: {}, sharedLabels: labels, value: distribution.count });
    }
    return values;
  }
}
