import type { AccessCondition } from '../lib/api';

/** An extra condition of an access rule on the request: JWT claims, headers, the source. */
export class Condition {
  /**
   * A claim of the validated JWT has one of `values`, like `Condition.claim('groups', ['admin'])`.
   * Nested claims are named by path: `Condition.claim(['realm_access', 'roles'], ['reader'])`.
   */
  static claim(claim: string | readonly string[], values: readonly string[]): Condition {
    const path = typeof claim === 'string' ? [claim] : claim;
    return new Condition({ key: `request.auth.claims${path.map((p) => `[${p}]`).join('')}`, values: [...values] });
  }

  /** A request header has one of `values`. */
  static header(name: string, values: readonly string[]): Condition {
    return new Condition({ key: `request.headers[${name}]`, values: [...values] });
  }

  /** The caller runs in one of these namespaces. */
  static sourceNamespace(namespaces: readonly string[]): Condition {
    return new Condition({ key: 'source.namespace', values: [...namespaces] });
  }

  private constructor(private readonly spec: AccessCondition) {}

  /** The same condition inverted: the value must be none of the listed ones. */
  negate(): Condition {
    const { values, notValues, key } = this.spec;
    return new Condition({ key, ...(notValues ? { values: notValues } : {}), ...(values ? { notValues: values } : {}) });
  }

  /** The access condition this renders to. */
  toSpec(): AccessCondition {
    return structuredClone(this.spec);
  }
}
