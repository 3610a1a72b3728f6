import { compact, draft, durationText, readMetadata, serviceOfSelector, type Converted, type ImportContext } from './import-context';
import type { Fields, SourceObject } from './source-fields';

const LOCAL_RATE_LIMIT = 'envoy.filters.http.local_ratelimit';
/** Envoy's HttpStatus code names the pattern may answer with. */
const STATUS_CODES: Record<string, number> = { TooManyRequests: 429, ServiceUnavailable: 503, Forbidden: 403, BadRequest: 400, Unauthorized: 401 };

/** A FractionalPercent that is 100%: the pattern's filter_enabled/filter_enforced. */
function fullyOn(f: Fields | undefined): boolean {
  const v = f?.object('default_value');
  f?.ignore('runtime_key');
  if (!v) return f === undefined;
  const numerator = v.number('numerator') ?? 0;
  const denominator = v.string('denominator') ?? 'HUNDRED';
  return numerator === { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 }[denominator];
}

/**
 * The local-rate-limit EnvoyFilter pattern (Istio's documented way to rate limit: an HTTP filter
 * inserted into a workload's inbound chain) → RateLimit. Any other EnvoyFilter is an escape hatch
 * with no Meshform equivalent and is reported whole.
 */
export function importEnvoyFilter(source: SourceObject, ctx: ImportContext): Converted {
  const root = source.root();
  const meta = readMetadata(root);
  const spec = root.object('spec');
  const none = { resources: [], services: [] };
  const patches = spec?.list('configPatches') ?? [];
  const value = patches.length === 1 ? patches[0]!.object('patch')?.object('value') : undefined;
  if (!spec || !value || value.string('name') !== LOCAL_RATE_LIMIT || patches[0]!.string('applyTo') !== 'HTTP_FILTER') {
    (spec ?? root).dropAll('an EnvoyFilter other than the local rate limit pattern (one HTTP_FILTER patch inserting envoy.filters.http.local_ratelimit) has no Meshform equivalent');
    return none;
  }
  const patch = patches[0]!;
  const match = patch.object('match');
  const context = match?.string('context');
  if (context !== 'SIDECAR_INBOUND') source.note('dropped', match ? match.at('context') : patch.at('match'), `${context ?? 'no context'}: Meshform limits a workload's inbound requests only`);
  match?.take('listener');
  patch.object('patch')!.ignore('operation');
  const typed = value.object('typed_config');
  // Either the LocalRateLimit message itself, or wrapped in a TypedStruct (older Istio samples).
  typed?.ignore('@type', 'type_url');
  const config = typed?.object('value') ?? typed;
  if (!config) {
    value.dropAll('the filter has no typed_config');
    return none;
  }
  config.ignore('stat_prefix');
  const bucket = config.object('token_bucket');
  const enabled = fullyOn(config.object('filter_enabled'));
  const enforced = fullyOn(config.object('filter_enforced'));
  if (!enabled || !enforced) source.note('dropped', config.path, 'filter_enabled/filter_enforced below 100%: Meshform enforces a limit on every request');
  const headers = Object.fromEntries(config.list('response_headers_to_add').map((h) => {
    h.ignore('append', 'append_action');
    const header = h.object('header');
    return [header?.string('key')?.toLowerCase() ?? '', header?.string('value') ?? ''];
  }));
  const statusName = config.object('status')?.string('code');
  const status = statusName === undefined ? undefined : STATUS_CODES[statusName] ?? Number(statusName);
  const selector = spec.object('workloadSelector');
  const labels = selector?.record('labels');
  const name = labels ? serviceOfSelector(labels, meta.namespace, ctx) : undefined;
  spec.drop('priority', 'Meshform orders its filters itself');
  spec.drop('targetRefs', 'Meshform rate limits target a MeshService, a namespace or the mesh');
  if (labels && !name) {
    source.note('dropped', 'spec.workloadSelector', 'no Service selects these labels and they have no app label, so no MeshService could be named');
    return none;
  }
  const targetRef = name ? { kind: 'MeshService', name } : { kind: meta.namespace === 'istio-system' ? 'Mesh' : 'Namespace' };
  const maxTokens = bucket?.number('max_tokens');
  const perFill = bucket?.number('tokens_per_fill');
  return {
    resources: [
      draft('RateLimit', meta.name, meta.namespace, compact({
        targetRef,
        local: compact({ tokens: maxTokens, fillInterval: bucket?.has('fill_interval') ? durationText(bucket.string('fill_interval')!) : undefined, tokensPerFill: perFill !== undefined && perFill !== maxTokens ? perFill : undefined }),
        response: status !== undefined || Object.keys(headers).length ? compact({ status, headers: Object.keys(headers).length ? headers : undefined }) : undefined,
      }), meta),
    ],
    services: [],
  };
}
