import { compact, draft, NOTHING, readPolicy, type Converted, type ImportContext } from './import-context';
import type { Fields, SourceObject } from './source-fields';

/** Istio names providers defined in MeshConfig; Meshform takes the exporter's address itself. */
function providersNote(f: Fields, what: string): void {
  const names = f.list('providers').map((p) => p.string('name')).filter(Boolean);
  if (names.length) f.source.note('differs', f.at('providers'), `${what} provider ${names.join(', ')} is defined in Istio's MeshConfig, not here: Meshform uses its own ${what === 'tracing' ? 'exporter (set tracing.otlpEndpoint to the collector)' : 'output'}`);
}

/** Istio Telemetry → Telemetry: tracing sampling and header tags, metrics on/off, access logs on/off (or errors only). */
export function importTelemetry(source: SourceObject, ctx: ImportContext): Converted {
  const policy = readPolicy(source, ctx);
  if (!policy) return NOTHING;
  const { meta, spec, target: targetRef } = policy;
  const [tracing, ...moreTracing] = spec.list('tracing');
  const [metrics, ...moreMetrics] = spec.list('metrics');
  const [logging, ...moreLogging] = spec.list('accessLogging');
  for (const [list, key] of [[moreTracing, 'tracing'], [moreMetrics, 'metrics'], [moreLogging, 'accessLogging']] as const) {
    for (const extra of list) extra.dropAll(`Meshform has one ${key} setting per policy; the first is imported`);
  }
  let tracingSpec: Record<string, unknown> | undefined;
  if (tracing) {
    providersNote(tracing, 'tracing');
    tracing.drop('match', 'Meshform traces client and server sides alike');
    tracing.drop('useRequestIdForTraceSampling', 'Meshform samples by trace id');
    tracing.drop('enableIstioTags', 'Meshform adds its own span tags');
    const tags = Object.fromEntries(
      tracing.entries('customTags').flatMap(([tag, t]) => {
        const header = t.object('header');
        if (!header) {
          t.dropAll('Meshform tags spans with request headers only (not literals or environment values)');
          return [];
        }
        header.drop('defaultValue', 'Meshform leaves the tag out when the header is missing');
        return [[tag, { header: header.string('name')!.toLowerCase() }]];
      }),
    );
    const disabled = tracing.boolean('disableSpanReporting');
    tracingSpec = compact({ samplingPercent: disabled ? 0 : tracing.number('randomSamplingPercentage'), customTags: Object.keys(tags).length ? tags : undefined });
  }
  let metricsSpec: Record<string, unknown> | undefined;
  if (metrics) {
    providersNote(metrics, 'metrics');
    metrics.drop('reportingInterval', 'Meshform serves metrics for scraping, not on an interval');
    const overrides = metrics.list('overrides');
    const allOff = overrides.length === 1 && overrides[0]!.boolean('disabled') === true && !overrides[0]!.has('match') && !overrides[0]!.has('tagOverrides');
    if (!allOff) for (const o of overrides) o.dropAll('Meshform turns metrics on or off as a whole; per-metric overrides are not carried');
    metricsSpec = { enabled: !allOff };
  }
  let logsSpec: Record<string, unknown> | undefined;
  if (logging) {
    providersNote(logging, 'access log');
    logging.drop('match', 'Meshform logs client and server sides alike');
    const filter = logging.object('filter')?.string('expression')?.replace(/\s+/g, '');
    const errorsOnly = filter === 'response.code>=500' || filter === 'response.code>=400';
    if (filter && !errorsOnly) source.note('dropped', 'spec.accessLogging[0].filter.expression', 'Meshform logs every request or errors only; other CEL filters are not carried');
    if (filter === 'response.code>=400') source.note('differs', 'spec.accessLogging[0].filter.expression', 'Meshform\'s errorsOnly logs 5xx answers; 4xx are not logged');
    logsSpec = compact({ enabled: !logging.boolean('disabled'), errorsOnly: errorsOnly || undefined });
  }
  if (!targetRef) return NOTHING;
  return { resources: [draft('Telemetry', meta.name, meta.namespace, compact({ targetRef, tracing: tracingSpec, metrics: metricsSpec, accessLogs: logsSpec }), meta)], services: [] };
}
