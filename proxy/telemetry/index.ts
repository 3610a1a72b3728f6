export { logAccess } from './access-log';
export { ProxyMetrics } from './metrics';
export { RequestMetrics } from './request-metrics';
export type { RequestLabels } from './request-metrics';
export { continueTrace, OtlpExporter } from './tracing';
export type { FinishedSpan, SpanContext } from './tracing';
export { compileListenerTelemetry, DEFAULT_TELEMETRY, TELEMETRY_METADATA_KEY } from './listener-telemetry';
export type { ListenerTelemetry, Propagation } from './listener-telemetry';
