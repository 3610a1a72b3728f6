import { toStruct, type JsonValue } from '../xds';
import type { SpecOf } from '../api';
import type { Resolved } from '../model';
import type { EnvoyMessage } from './envoy-types';
import { percentValue } from './proto-values';

/** Listener metadata key carrying the telemetry settings Envoy's core protos cannot hold (exporters, logs, metrics). */
export const TELEMETRY_METADATA_KEY = 'meshform.dev/telemetry';

type Telemetry = Omit<SpecOf<'Telemetry'>, 'targetRef'>;

/** Each section (tracing, metrics, accessLogs) comes from the most specific Telemetry that sets it. */
export function effectiveTelemetry(policies: readonly Resolved<'Telemetry'>[]): Telemetry {
  const merged: Telemetry = {};
  for (const p of policies) {
    if (p.spec.tracing) merged.tracing = p.spec.tracing;
    if (p.spec.metrics) merged.metrics = p.spec.metrics;
    if (p.spec.accessLogs) merged.accessLogs = p.spec.accessLogs;
  }
  return merged;
}

/**
 * Telemetry as Envoy fields: tracing sampling and custom tags on the HttpConnectionManager; the
 * OTLP exporter, propagation, metrics and access-log settings in the listener's
 * `metadata.filter_metadata["meshform.dev/telemetry"]` (the access-logger and tracer extension
 * protos are not part of the shared proto root; see docs/xds-contract.md).
 */
export function telemetryFields(telemetry: Telemetry): { hcm: EnvoyMessage; listener: EnvoyMessage } {
  const hcm: EnvoyMessage = {};
  if (telemetry.tracing) {
    hcm['tracing'] = {
      random_sampling: percentValue(telemetry.tracing.samplingPercent),
      custom_tags: Object.entries(telemetry.tracing.customTags).map(([tag, { header }]) => ({ tag, request_header: { name: header } })),
    };
  }
  if (Object.keys(telemetry).length === 0) return { hcm, listener: {} };
  const metadata = JSON.parse(JSON.stringify(telemetry)) as { [key: string]: JsonValue };
  return { hcm, listener: { metadata: { filter_metadata: { [TELEMETRY_METADATA_KEY]: toStruct(metadata) } } } };
}
