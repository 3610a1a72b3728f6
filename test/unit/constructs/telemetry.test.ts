import { describe, expect, it } from 'vitest';
import { PolicyTarget, Telemetry } from '../../../constructs';
import { expectFinding, meshResources, shopChart } from './support';

describe('Telemetry', () => {
  it('samples 10% of traces and exports them over OTLP', () => {
    const chart = shopChart();
    new Telemetry(chart, 'Tracing', {
      target: PolicyTarget.mesh(),
      tracing: { samplingPercent: 10, otlpEndpoint: 'http://otel-collector:4318' },
      accessLogs: { format: 'text', errorsOnly: true },
    });
    expect(meshResources(chart)).toMatchSnapshot();
  });

  it('accepts sampling at 0 and 100', () => {
    for (const samplingPercent of [0, 100]) expect(() => new Telemetry(shopChart(), 'Tracing', { tracing: { samplingPercent } })).not.toThrow();
  });

  it.each([-1, 101])('rejects sampling at %s percent', (samplingPercent) => {
    expectFinding(() => new Telemetry(shopChart(), 'Tracing', { tracing: { samplingPercent } }), { code: 'OUT_OF_RANGE', where: 'test/Tracing', field: 'spec.tracing.samplingPercent' });
  });
});
