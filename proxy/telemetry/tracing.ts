import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';

/** The trace context of one hop: the span this proxy creates and where it came from. */
export interface SpanContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly sampled: boolean;
}

export interface FinishedSpan {
  readonly context: SpanContext;
  readonly name: string;
  readonly kind: 'server' | 'client';
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly attributes: Readonly<Record<string, string | number>>;
  readonly error: boolean;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const BOTH_FORMATS: ReadonlySet<'w3c' | 'b3'> = new Set(['w3c', 'b3']);

/**
 * Continues the caller's trace (W3C traceparent, else B3) with a new span for this hop, or starts
 * one, sampled at `samplingPercent`; then rewrites the headers for the upstream in the formats
 * `propagation` names (a B3 caller keeps its B3 headers either way).
 */
export function continueTrace(
  headers: IncomingHttpHeaders,
  samplingPercent: number,
  propagation: ReadonlySet<'w3c' | 'b3'> = BOTH_FORMATS,
): SpanContext {
  const spanId = randomBytes(8).toString('hex');
  const parent = TRACEPARENT.exec(String(headers.traceparent ?? ''));
  const b3Caller = typeof headers['x-b3-traceid'] === 'string' && /^[0-9a-f]{16,32}$/.test(headers['x-b3-traceid']);
  let context: SpanContext;
  if (parent && parent[1] !== ZERO_TRACE) {
    context = { traceId: parent[1]!, spanId, parentSpanId: parent[2], sampled: (parseInt(parent[3]!, 16) & 1) === 1 };
  } else if (b3Caller) {
    const sampledHeader = headers['x-b3-sampled'];
    context = {
      traceId: String(headers['x-b3-traceid']).padStart(32, '0'),
      spanId,
      parentSpanId: typeof headers['x-b3-spanid'] === 'string' ? headers['x-b3-spanid'] : undefined,
      sampled: sampledHeader === undefined ? Math.random() * 100 < samplingPercent : sampledHeader === '1' || sampledHeader === 'true',
    };
  } else {
    context = { traceId: randomBytes(16).toString('hex'), spanId, parentSpanId: undefined, sampled: Math.random() * 100 < samplingPercent };
  }
  if (propagation.has('w3c')) headers.traceparent = `00-${context.traceId}-${context.spanId}-${context.sampled ? '01' : '00'}`;
  if (propagation.has('b3') || b3Caller) {
    headers['x-b3-traceid'] = context.traceId;
    headers['x-b3-spanid'] = context.spanId;
    if (context.parentSpanId) headers['x-b3-parentspanid'] = context.parentSpanId;
    headers['x-b3-sampled'] = context.sampled ? '1' : '0';
  }
  return context;
}

const FLUSH_INTERVAL_MS = 1_000;
const MAX_BATCH = 512;

/** Exports sampled spans as OTLP/HTTP JSON (POST <endpoint>/v1/traces), batched; export errors are logged, never thrown. */
export class OtlpExporter {
  private batch: FinishedSpan[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly endpoint: string,
    private readonly serviceName: string,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS).unref();
  }

  export(span: FinishedSpan): void {
    if (!span.context.sampled) return;
    this.batch.push(span);
    if (this.batch.length >= MAX_BATCH) void this.flush();
  }

  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const spans = this.batch;
    this.batch = [];
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: this.serviceName } }] },
          scopeSpans: [{ scope: { name: 'meshform-proxy' }, spans: spans.map(toOtlp) }],
        },
      ],
    });
    const url = new URL('/v1/traces', this.endpoint);
    await new Promise<void>((resolve) => {
      const request = (url.protocol === 'https:' ? https : http).request(
        url,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (response) => {
          response.resume();
          if ((response.statusCode ?? 500) >= 300) this.logger.warn({ event: 'tracing.export_failed', status: response.statusCode }, 'OTLP export refused');
          resolve();
        },
      );
      request.on('error', (error) => {
        this.logger.warn({ event: 'tracing.export_failed', reason: error.message }, 'OTLP export failed');
        resolve();
      });
      request.end(body);
    });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

function toOtlp(span: FinishedSpan): Record<string, unknown> {
  return {
    traceId: span.context.traceId,
    spanId: span.context.spanId,
    ...(span.context.parentSpanId ? { parentSpanId: span.context.parentSpanId } : {}),
    name: span.name,
    // OTLP SpanKind: 2 = SERVER, 3 = CLIENT.
    kind: span.kind === 'server' ? 2 : 3,
    startTimeUnixNano: span.startNs.toString(),
    endTimeUnixNano: span.endNs.toString(),
    attributes: Object.entries(span.attributes).map(([key, value]) => ({
      key,
      value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value },
    })),
    status: { code: span.error ? 2 : 1 },
  };
}
