import type { CanarySpec, MeshResource } from '../api';

/** The rule name `CanaryRoute` gives the weighted split the canary driver steps. */
export const CANARY_SPLIT_RULE = 'canary-split';

/**
 * The route with the canary's weight applied to its split rule: the rule named `canary-split`, or
 * else every rule whose backends are exactly the stable and canary versions. Other rules (header
 * canaries, user routing) are left as written.
 */
export function withCanaryWeight(route: MeshResource<'TrafficRoute'>, canary: CanarySpec, weight: number): MeshResource<'TrafficRoute'> {
  const isSplit = (rule: MeshResource<'TrafficRoute'>['spec']['rules'][number]) => {
    if (rule.name === CANARY_SPLIT_RULE) return true;
    const versions = rule.backends.map((b) => b.version).sort();
    return versions.length === 2 && versions.includes(canary.stableVersion) && versions.includes(canary.canaryVersion);
  };
  const weightOf = (version: string | undefined) => (version === canary.canaryVersion ? weight : version === canary.stableVersion ? 100 - weight : 0);
  return {
    ...route,
    spec: {
      ...route.spec,
      rules: route.spec.rules.map((rule) => (isSplit(rule) ? { ...rule, backends: rule.backends.map((b) => ({ ...b, weight: weightOf(b.version) })) } : rule)),
    },
  };
}
