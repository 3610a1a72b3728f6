import { z } from 'zod';
import { headerName, percent, targetRef } from './common';

export const telemetrySpec = z.strictObject({
  targetRef: targetRef,
  tracing: z
    .strictObject({
      samplingPercent: percent.default(1),
      otlpEndpoint: z.string().url().max(2048).optional().describe('OTLP/HTTP endpoint spans are exported to, like http://otel-collector:4318. @default tracing off'),
      propagation: z.array(z.enum(['w3c', 'b3'])).min(1).max(2).default(['w3c', 'b3']),
      customTags: z.record(z.string().min(1).max(256), z.strictObject({ header: headerName })).default({}),
    })
    .optional(),
  metrics: z
    .strictObject({
      enabled: z.boolean().default(true),
      histogramBucketsMs: z.array(z.number().min(0.001).max(3_600_000)).max(32).optional().describe('Request duration buckets in ms.'),
    })
    .optional(),
  accessLogs: z
    .strictObject({
      enabled: z.boolean().default(true),
      format: z.enum(['json', 'text']).default('json'),
      errorsOnly: z.boolean().default(false),
    })
    .optional(),
});

export type TelemetrySpec = z.infer<typeof telemetrySpec>;
export type TelemetrySpecInput = z.input<typeof telemetrySpec>;
