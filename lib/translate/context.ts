import { byNamespacedName, type MeshModel, type Resolved } from '../model';
import { resourceRef } from '../naming';
import type { SpecOf } from '../api';
import { IssueLog } from './issues';
import type { ProxyIdentity } from './proxy-identity';
import type { TranslationIndex } from './translation-index';
import type { WorkloadInstance } from './workloads';

/** What one translation reads, and where it records what it could not express. */
export interface TranslationContext {
  readonly model: MeshModel;
  readonly workloads: readonly WorkloadInstance[];
  readonly proxy: ProxyIdentity;
  readonly issues: IssueLog;
  readonly index: TranslationIndex;
}

export function whereOf(resource: Resolved): string {
  return resourceRef(resource.kind, resource.metadata.name, resource.metadata.namespace);
}

/**
 * The TrafficRoute deciding a service's port: one naming that port wins over one for all ports;
 * among equals the first by namespace/name wins and the others are reported as conflicts.
 */
export function trafficRouteFor(ctx: TranslationContext, namespace: string, name: string, port: number): Resolved<'TrafficRoute'> | undefined {
  const candidates = ctx.index
    .trafficRoutes(namespace, name)
    .filter((r) => r.spec.service.port === undefined || r.spec.service.port === port)
    .sort((a, b) => Number(b.spec.service.port !== undefined) - Number(a.spec.service.port !== undefined) || byNamespacedName(a, b));
  const [winner, ...losers] = candidates;
  for (const loser of losers) {
    if ((loser.spec.service.port === undefined) !== (winner!.spec.service.port === undefined)) continue;
    ctx.issues.add({
      code: 'CONFLICT',
      severity: 'rejected',
      where: whereOf(loser),
      field: 'spec.service',
      message: `routes ${namespace}/${name} port ${port} like ${whereOf(winner!)}, which wins; merge the rules into one TrafficRoute`,
    });
  }
  return winner;
}

/**
 * The TrafficPolicy settings for a destination: the whole-service policy, overridden field by field
 * by a policy for the version.
 */
export function trafficPolicyFor(ctx: TranslationContext, namespace: string, name: string, version?: string): Partial<SpecOf<'TrafficPolicy'>> & { where?: string } {
  const matching = [...ctx.index.trafficPolicies(namespace, name)].sort(byNamespacedName);
  const whole = matching.filter((p) => p.spec.service.version === undefined);
  const narrowed = version === undefined ? [] : matching.filter((p) => p.spec.service.version === version);
  for (const extra of [...whole.slice(1), ...narrowed.slice(1)]) {
    ctx.issues.add({
      code: 'CONFLICT',
      severity: 'rejected',
      where: whereOf(extra),
      field: 'spec.service',
      message: `applies to the same destination as an earlier TrafficPolicy, which wins; merge them`,
    });
  }
  const base = whole[0];
  const specific = narrowed[0];
  const merged = { ...(base?.spec ?? {}), ...definedOnly(specific?.spec ?? {}) };
  const where = specific ?? base;
  return where ? { ...merged, where: whereOf(where) } : merged;
}

function definedOnly<T extends object>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as Partial<T>;
}
