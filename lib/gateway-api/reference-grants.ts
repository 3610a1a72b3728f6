import type { ReferenceGrantObject } from './objects';

/** Who refers: a route or gateway, by group, kind and namespace. */
export interface ReferenceFrom {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
}

/** What is referred to in another namespace: a Service or Secret, by group, kind, namespace and name. */
export interface ReferenceTo {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/**
 * The ReferenceGrants of the cluster (or folder): a reference into another namespace is allowed only
 * when a grant in that namespace names the referrer's group, kind and namespace in `from` and the
 * target's group, kind (and name, when the grant names one) in `to`.
 */
export class ReferenceGrants {
  constructor(private readonly grants: readonly ReferenceGrantObject[]) {}

  permits(from: ReferenceFrom, to: ReferenceTo): boolean {
    if (from.namespace === to.namespace) return true;
    return this.grants.some(
      (g) =>
        (g.metadata.namespace ?? 'default') === to.namespace &&
        g.spec.from.some((f) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace) &&
        g.spec.to.some((t) => t.group === to.group && t.kind === to.kind && (t.name === undefined || t.name === to.name)),
    );
  }
}
