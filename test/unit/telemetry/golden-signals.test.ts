import { describe, expect, it } from 'vitest';
import { goldenSignals, parsePrometheusText, quantileMs } from '../../../lib/telemetry';

const exposition = (ok: number, failed: number, buckets: [string, number][]) => `# HELP meshform_requests_total Requests.
# TYPE meshform_requests_total counter
meshform_requests_total{direction="inbound",source_workload="web",destination_service="reviews",route="default",response_code="200",response_flags="-"} ${ok}
meshform_requests_total{direction="inbound",source_workload="web",destination_service="reviews",route="default",response_code="503",response_flags="-"} ${failed}
meshform_requests_total{direction="outbound",source_workload="web",destination_service="reviews",route="default",response_code="200",response_flags="-"} 999
${buckets.map(([le, n]) => `meshform_request_duration_seconds_bucket{direction="inbound",destination_service="reviews",route="default",response_code="200",le="${le}"} ${n}`).join('\n')}
`;

describe('golden signals', () => {
  it('parses the exposition format, labels with escapes included', () => {
    const [sample] = parsePrometheusText('m_total{a="x\\"y",b="2"} 3.5\n# comment\nbad line here');
    expect(sample).toEqual({ name: 'm_total', labels: { a: 'x"y', b: '2' }, value: 3.5 });
  });

  it('computes rate, success rate and quantiles from the inbound deltas between two scrapes', () => {
    const before = parsePrometheusText(exposition(100, 0, [['0.01', 50], ['0.1', 100], ['+Inf', 100]]));
    const after = parsePrometheusText(exposition(280, 20, [['0.01', 50], ['0.1', 230], ['+Inf', 280]]));
    const [row] = goldenSignals(before, after, 2);
    expect(row).toMatchObject({ service: 'reviews', route: 'default', requests: 200, rps: 100, successRate: 0.9 });
    // Of 180 new observations 130 fell into (0.01, 0.1]; the 90th is 90/130 of the way into it.
    expect(row!.p50Ms).toBeCloseTo(10 + 90 * (90 / 130), 5);
  });

  it('interpolates quantiles within a bucket like histogram_quantile', () => {
    const buckets = new Map([[0.1, 10], [0.2, 20], [Infinity, 20]]);
    expect(quantileMs(buckets, 0.5)).toBeCloseTo(100);
    expect(quantileMs(buckets, 0.75)).toBeCloseTo(150);
    expect(quantileMs(new Map(), 0.5)).toBeUndefined();
  });
});
