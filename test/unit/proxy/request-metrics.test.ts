import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestMetrics, type RequestLabels } from '../../../proxy/telemetry/request-metrics';

const DURATION_LABELS = ['direction', 'destination_service', 'route', 'response_code'] as const;
const SIZE_LABELS = ['direction', 'destination_service'] as const;

/** The same metrics as prom-client's own classes record them: what the exposition must equal. */
function promClientReference(registry: Registry) {
  const requests = new Counter({ name: 'meshform_requests_total', help: 'Requests handled by the proxy, by source, destination, route and response code.', labelNames: ['direction', 'source_workload', 'destination_service', 'route', 'response_code', 'response_flags'], registers: [registry] });
  const duration = new Histogram({ name: 'meshform_request_duration_seconds', help: 'Time from the first request byte to the last response byte.', labelNames: DURATION_LABELS, buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] });
  const sizeBuckets = [0, 64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304];
  const requestSize = new Histogram({ name: 'meshform_request_size_bytes', help: 'Request body sizes.', labelNames: SIZE_LABELS, buckets: sizeBuckets, registers: [registry] });
  const responseSize = new Histogram({ name: 'meshform_response_size_bytes', help: 'Response body sizes.', labelNames: SIZE_LABELS, buckets: sizeBuckets, registers: [registry] });
  const pick = (labels: RequestLabels, names: readonly (keyof RequestLabels)[]) => Object.fromEntries(names.map((n) => [n, labels[n]]));
  return (labels: RequestLabels, seconds: number, requestBytes: number, responseBytes: number) => {
    requests.inc({ ...labels });
    duration.observe(pick(labels, DURATION_LABELS), seconds);
    requestSize.observe(pick(labels, SIZE_LABELS), requestBytes);
    responseSize.observe(pick(labels, SIZE_LABELS), responseBytes);
  };
}

const ok: RequestLabels = { direction: 'inbound', source_workload: 'web', destination_service: 'reviews', route: 'default', response_code: '200', response_flags: '-' };
const failed: RequestLabels = { ...ok, response_code: '503', response_flags: 'UF' };
const otherCaller: RequestLabels = { ...ok, source_workload: 'batch' };
const key = (labels: RequestLabels) => Object.values(labels).join('|');

describe('request metrics', () => {
  it('expose exactly what prom-client histograms and counters would for the same requests', async () => {
    // GIVEN requests of three label sets, two of which share every histogram label
    const recorded: [RequestLabels, number, number, number][] = [
      [ok, 0.0004, 0, 1024],
      [ok, 0.003, 512, 1024],
      [failed, 0.2, 0, 90],
      [otherCaller, 31, 5_000_000, 64],
      [otherCaller, 0.001, 0, 0],
    ];
    const ours = new Registry();
    const metrics = new RequestMetrics(ours);
    const reference = new Registry();
    const observe = promClientReference(reference);
    // WHEN both record them
    for (const [labels, seconds, requestBytes, responseBytes] of recorded) {
      metrics.record(key(labels), () => labels, seconds, requestBytes, responseBytes);
      observe(labels, seconds, requestBytes, responseBytes);
    }
    // THEN the expositions are the same text
    expect(await ours.metrics()).toBe(await reference.metrics());
  });

  it('derives a label set once, for the first request with its key', () => {
    const metrics = new RequestMetrics(new Registry());
    let derived = 0;
    const labels = () => {
      derived += 1;
      return ok;
    };
    for (let i = 0; i < 5; i++) metrics.record('same', labels, 0.01, 0, 10);
    expect(derived).toBe(1);
  });

  it('adds up the series a histogram does not tell apart', async () => {
    const registry = new Registry();
    const metrics = new RequestMetrics(registry);
    metrics.record(key(ok), () => ok, 0.01, 0, 10);
    metrics.record(key(otherCaller), () => otherCaller, 0.01, 0, 10);
    const text = await registry.metrics();
    expect(text).toContain('meshform_request_duration_seconds_count{direction="inbound",destination_service="reviews",route="default",response_code="200"} 2');
    expect(text).toContain('meshform_requests_total{direction="inbound",source_workload="batch",destination_service="reviews",route="default",response_code="200",response_flags="-"} 1');
  });
});
