import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { continueTrace } from '../../../proxy/telemetry/tracing';

describe('trace propagation', () => {
  it('continues a W3C trace with a new span and keeps the sampling decision', () => {
    const headers: IncomingHttpHeaders = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00' };
    const span = continueTrace(headers, 100);
    expect(span).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentSpanId: '00f067aa0ba902b7', sampled: false });
    expect(headers.traceparent).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${span.spanId}-00`);
  });

  it('continues a B3 trace and rewrites both header formats', () => {
    const headers: IncomingHttpHeaders = { 'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7', 'x-b3-spanid': 'e457b5a2e4d86bd1', 'x-b3-sampled': '1' };
    const span = continueTrace(headers, 0);
    expect(span).toMatchObject({ traceId: '80f198ee56343ba864fe8b2a57d3eff7', parentSpanId: 'e457b5a2e4d86bd1', sampled: true });
    expect(headers['x-b3-spanid']).toBe(span.spanId);
    expect(headers['x-b3-parentspanid']).toBe('e457b5a2e4d86bd1');
    expect(headers.traceparent).toMatch(/^00-80f198ee56343ba864fe8b2a57d3eff7-[0-9a-f]{16}-01$/);
  });

  it('starts a new trace sampled at the configured percentage', () => {
    const sampled = Array.from({ length: 2000 }, () => continueTrace({}, 10).sampled).filter(Boolean).length;
    expect(sampled).toBeGreaterThan(100);
    expect(sampled).toBeLessThan(300);
    expect(continueTrace({}, 0).sampled).toBe(false);
    expect(continueTrace({ traceparent: 'garbage' }, 100).parentSpanId).toBeUndefined();
  });
});
