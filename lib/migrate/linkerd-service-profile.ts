import { compact, draft, durationText, labelName, readMetadata, serviceOfHost, type Converted, type ImportContext } from './import-context';
import type { Fields, SourceObject } from './source-fields';
import { percents, quantity } from './weights';

/** A ServiceProfile route condition as Meshform matches (an `any` becomes several; `not` cannot be said). */
function matchesOf(c: Fields): Record<string, unknown>[] {
  const any = c.list('any');
  if (any.length) return any.flatMap(matchesOf);
  const all = c.list('all');
  c.drop('not', 'Meshform matches cannot be negated (except headers)');
  const parts = [{ method: c.string('method')?.toUpperCase(), path: c.has('pathRegex') ? { type: 'RegularExpression', value: c.string('pathRegex') } : undefined }, ...all.flatMap(matchesOf)];
  return [compact(Object.assign({}, ...parts.map((p) => compact(p))))];
}

/**
 * Linkerd ServiceProfile → a TrafficRoute of the service (a rule per route: path regex and method,
 * timeout, retries when isRetryable) and a TrafficPolicy holding its retry budget.
 */
export function importServiceProfile(source: SourceObject, ctx: ImportContext): Converted {
  const root = source.root();
  const meta = readMetadata(root, { nameIsHost: true });
  const spec = root.object('spec');
  const svc = serviceOfHost(meta.name, meta.namespace, ctx);
  if (!spec || !svc || svc.external) {
    source.note('dropped', 'metadata.name', 'a ServiceProfile is named by its service\'s FQDN, like reviews.bookinfo.svc.cluster.local; this one names no service of the cluster');
    return { resources: [], services: [] };
  }
  spec.drop('opaquePorts', 'Meshform speaks tcp on a port whose protocol is tcp');
  const overrides = spec.list('dstOverrides').map((d) => ({ authority: d.string('authority') ?? '', weight: quantity(d.take('weight') ?? 0) }));
  const split = percents(overrides.map((o) => o.weight));
  const backends = overrides.flatMap((o, i) => {
    const dst = serviceOfHost(o.authority.replace(/:[0-9]+$/, ''), meta.namespace, ctx);
    return dst ? [compact({ name: dst.name === svc.name ? undefined : dst.name, namespace: dst.namespace === svc.namespace ? undefined : dst.namespace, weight: split.percents[i] })] : [];
  });
  if (overrides.length && !split.exact) source.note('differs', 'spec.dstOverrides', `weights became whole percents ${split.percents.join(':')}`);
  const rules: Record<string, unknown>[] = spec.list('routes').map((r) => {
    r.drop('responseClasses', 'Meshform counts 5xx answers as failures; it has no custom response classes');
    const c = r.object('condition');
    const retryable = r.boolean('isRetryable');
    if (retryable) r.source.note('differs', r.at('isRetryable'), 'Linkerd retries as often as the budget allows; Meshform retries 5xx answers up to attempts (default 2), within the budget');
    return compact({
      name: r.has('name') ? labelName(r.string('name')!, r, r.at('name')) : undefined,
      matches: c ? matchesOf(c) : undefined,
      backends: backends.length ? backends : [{}],
      timeout: r.has('timeout') ? durationText(r.string('timeout')!) : undefined,
      retry: retryable ? { retryOn: ['5xx'] } : undefined,
    });
  });
  // Requests no ServiceProfile route matches still reach the service (split by dstOverrides): a catch-all rule says so.
  if (rules.length === 0 || rules.at(-1)!.matches !== undefined) rules.push({ name: backends.length ? 'split' : 'default', backends: backends.length ? backends : [{}] });
  const service = compact({ name: svc.name, namespace: svc.namespace === meta.namespace ? undefined : svc.namespace });
  const budget = spec.object('retryBudget');
  const resources = [];
  if (rules.length > 1 || backends.length) resources.push(draft('TrafficRoute', svc.name, meta.namespace, { service, rules }, meta));
  if (budget) {
    resources.push(draft('TrafficPolicy', `${svc.name}-retry-budget`, meta.namespace, {
      service,
      retryBudget: compact({ retryRatio: budget.number('retryRatio'), minRetriesPerSecond: budget.number('minRetriesPerSecond'), ttl: budget.has('ttl') ? durationText(budget.string('ttl')!) : undefined }),
    }, meta));
  }
  return { resources, services: [{ name: svc.name, namespace: svc.namespace }] };
}
