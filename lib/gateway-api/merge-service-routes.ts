import { draft, type Draft } from '../migrate/import-context';
import { byPrecedence } from './route-precedence';
import { validateDraft } from './validate-draft';

/** What one route made, and where it stands among routes: creation time, then `namespace/name`. */
export interface OwnedDrafts<T> {
  readonly owner: T;
  readonly order: string;
  readonly label: string;
  readonly drafts: readonly Draft[];
}

type Rules = Parameters<typeof byPrecedence>[0];

function serviceKey(d: Draft): string {
  const service = d.spec.service as { name: string; namespace?: string; port?: number };
  return `${service.namespace ?? d.metadata.namespace ?? 'default'}/${service.name}:${service.port ?? '*'}`;
}

/**
 * Meshform serves one TrafficRoute per service and port; the Gateway API lets several routes share
 * a Service parent, their rules merged by match precedence, ties going to the oldest route. The
 * TrafficRoutes of routes that share a parent become one, held by the oldest route and named after
 * the service (`gamma-<service>[-<port>]`); a merge that Meshform would refuse (too many rules)
 * stays split.
 */
export function mergeServiceRoutes<T>(routes: readonly OwnedDrafts<T>[]): Map<T, Draft[]> {
  const out = new Map<T, Draft[]>(routes.map((r) => [r.owner, r.drafts.filter((d) => d.kind !== 'TrafficRoute')]));
  const groups = new Map<string, { route: OwnedDrafts<T>; draft: Draft }[]>();
  for (const route of routes) for (const d of route.drafts.filter((x) => x.kind === 'TrafficRoute')) groups.set(serviceKey(d), [...(groups.get(serviceKey(d)) ?? []), { route, draft: d }]);
  for (const members of groups.values()) {
    const sorted = [...members].sort((a, b) => a.route.order.localeCompare(b.route.order));
    const first = sorted[0]!;
    const service = first.draft.spec.service as { name: string; port?: number };
    const merged =
      sorted.length > 1
        ? draft('TrafficRoute', `gamma-${service.name}${service.port ? `-${service.port}` : ''}`.slice(0, 63), first.draft.metadata.namespace, { service: first.draft.spec.service, rules: byPrecedence(sorted.flatMap((m) => m.draft.spec.rules as Rules)) }, { annotations: { 'meshform.dev/converted-from': sorted.map((m) => m.route.label).join(', ') } })
        : undefined;
    if (merged && validateDraft(merged, merged.metadata.name).length === 0) out.get(first.route.owner)!.push(merged);
    else for (const m of members) out.get(m.route.owner)!.push(m.draft);
  }
  return out;
}
