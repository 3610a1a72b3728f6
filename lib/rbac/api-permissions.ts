/** One Kubernetes API client method a control-plane process calls, and the RBAC it needs. */
export interface ApiPermission {
  /** The `@kubernetes/client-node` method (`readNamespacedLease`), or the informer it feeds. */
  readonly method: string;
  /** API group; '' for the core group. */
  readonly apiGroup: string;
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  /** Namespace: granted by a Role in the control-plane namespace only; Cluster: by a ClusterRole. */
  readonly scope: 'Namespace' | 'Cluster';
  /** Limits the grant to these object names (get/update/patch/delete only; Kubernetes cannot limit list, watch or create). */
  readonly resourceNames?: readonly string[];
}

/** A Kubernetes RBAC PolicyRule. */
export interface PolicyRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
  readonly resourceNames?: string[];
}

/** Merges permissions of one scope into rules, one per group, resource set and name limit, verbs sorted. */
export function policyRules(permissions: readonly ApiPermission[], scope: ApiPermission['scope']): PolicyRule[] {
  const merged = new Map<string, { apiGroup: string; resources: string[]; resourceNames?: readonly string[]; verbs: Set<string> }>();
  for (const p of permissions.filter((x) => x.scope === scope)) {
    const key = JSON.stringify([p.apiGroup, [...p.resources].sort(), p.resourceNames ?? null]);
    const entry = merged.get(key) ?? { apiGroup: p.apiGroup, resources: [...p.resources].sort(), ...(p.resourceNames ? { resourceNames: p.resourceNames } : {}), verbs: new Set<string>() };
    p.verbs.forEach((v) => entry.verbs.add(v));
    merged.set(key, entry);
  }
  return [...merged.values()]
    .sort((a, b) => `${a.apiGroup}/${a.resources[0]}`.localeCompare(`${b.apiGroup}/${b.resources[0]}`))
    .map((e) => ({ apiGroups: [e.apiGroup], resources: e.resources, verbs: [...e.verbs].sort(), ...(e.resourceNames ? { resourceNames: [...e.resourceNames] } : {}) }));
}
