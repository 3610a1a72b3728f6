import { fromStruct, type JsonValue, type ProtoStruct, type XdsMessage } from '../../lib/xds';

/** Listener metadata key under which the controller sends a Telemetry policy's settings. */
export const TELEMETRY_METADATA_KEY = 'meshform.dev/telemetry';

export type Propagation = 'w3c' | 'b3';

/**
 * What a Telemetry policy asks of one listener, beyond the Envoy fields (sampling comes from the
 * HttpConnectionManager's tracing.random_sampling). Absent sections keep the bootstrap's behaviour.
 */
export interface ListenerTelemetry {
  readonly tracing:
    | {
        readonly otlpEndpoint: string | undefined;
        readonly propagation: ReadonlySet<Propagation>;
        /** Span attribute name → request header it is read from. */
        readonly customTags: readonly (readonly [string, string])[];
      }
    | undefined;
  readonly metricsEnabled: boolean;
  readonly accessLog: { readonly enabled: boolean; readonly format: 'json' | 'text'; readonly errorsOnly: boolean };
}

/**
 * Without a Telemetry policy: metrics on, access logs off (as Envoy, Istio and Linkerd do: a line
 * per request is work and log volume nobody asked for), tracing as the bootstrap says.
 */
export const DEFAULT_TELEMETRY: ListenerTelemetry = {
  tracing: undefined,
  metricsEnabled: true,
  accessLog: { enabled: false, format: 'json', errorsOnly: false },
};

type JsonObject = { [key: string]: JsonValue };
const object = (value: JsonValue | undefined): JsonObject | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;

/** Reads the telemetry settings from a listener's `metadata.filter_metadata`. */
export function compileListenerTelemetry(listener: XdsMessage): ListenerTelemetry {
  const filterMetadata = (listener['metadata'] as { filter_metadata?: Record<string, ProtoStruct> } | undefined)?.filter_metadata;
  const struct = filterMetadata?.[TELEMETRY_METADATA_KEY];
  if (!struct) return DEFAULT_TELEMETRY;
  const settings = fromStruct(struct);
  const tracing = object(settings['tracing']);
  const logs = object(settings['accessLogs']);
  const metrics = object(settings['metrics']);
  const propagation = Array.isArray(tracing?.['propagation']) ? tracing['propagation'].filter((p): p is Propagation => p === 'w3c' || p === 'b3') : [];
  return {
    tracing: tracing
      ? {
          otlpEndpoint: typeof tracing['otlpEndpoint'] === 'string' ? tracing['otlpEndpoint'] : undefined,
          propagation: new Set<Propagation>(propagation.length > 0 ? propagation : ['w3c', 'b3']),
          customTags: Object.entries(object(tracing['customTags']) ?? {}).flatMap(([tag, value]) => {
            const header = object(value)?.['header'];
            return typeof header === 'string' ? [[tag, header.toLowerCase()] as const] : [];
          }),
        }
      : undefined,
    metricsEnabled: metrics?.['enabled'] !== false,
    accessLog: logs
      ? { enabled: logs['enabled'] !== false, format: logs['format'] === 'text' ? 'text' : 'json', errorsOnly: logs['errorsOnly'] === true }
      : DEFAULT_TELEMETRY.accessLog,
  };
}
