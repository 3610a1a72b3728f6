import type { Construct } from 'constructs';
import type { AccessOperation, AccessPolicySpecInput, AccessRule } from '../lib/api';
import type { Condition } from './condition';
import type { Principal } from './principal';
import { TargetedPolicy, type TargetedPolicyProps } from './targeted-policy';

/** What an access policy does with the requests its rules match. */
export const AccessAction = {
  /** Let matching requests through; once a workload has ALLOW policies, requests none allows are denied. */
  ALLOW: 'ALLOW',
  /** Refuse matching requests (403); evaluated before ALLOW. */
  DENY: 'DENY',
  /** Let requests through but log the ones that match. */
  AUDIT: 'AUDIT',
} as const;

export type AccessAction = (typeof AccessAction)[keyof typeof AccessAction];

/** One access rule: a request matches when it comes from one of `from`, goes to one of `to`, and meets every `when`. */
export interface AccessRuleOptions {
  /**
   * Callers, any one of which matches.
   * @default any caller
   */
  readonly from?: Principal[];
  /**
   * Operations (methods, paths, ports), any one of which matches, like `{ methods: ['GET'], paths: ['/api/public/*'] }`.
   * @default any operation
   */
  readonly to?: AccessOperation[];
  /**
   * Conditions on JWT claims, headers or the source, all of which must hold.
   * @default none
   */
  readonly when?: Condition[];
}

/** Props of an AccessPolicy. */
export interface AccessPolicyProps extends TargetedPolicyProps {
  /**
   * What happens to requests the rules match.
   * @default AccessAction.ALLOW
   */
  readonly action?: AccessAction;
  /**
   * Rules; more can be added with `addRule`. An ALLOW policy without rules allows nothing.
   * @default none
   */
  readonly rules?: AccessRuleOptions[];
}

/**
 * Who may call what (Istio's AuthorizationPolicy): rules over caller identities, namespaces, JWT
 * subjects and claims, methods, paths and ports. DENY policies are evaluated before ALLOW ones.
 */
export class AccessPolicy extends TargetedPolicy<'AccessPolicy'> {
  /**
   * An ALLOW policy without rules: the target refuses every request no other ALLOW policy lets
   * through. The usual start of zero trust, followed by narrow allow policies.
   */
  static denyAll(scope: Construct, id: string, props: TargetedPolicyProps = {}): AccessPolicy {
    return new AccessPolicy(scope, id, { ...props, action: AccessAction.ALLOW });
  }

  /** What happens to requests the rules match. */
  readonly action: AccessAction;
  private readonly rules: AccessRuleOptions[] = [];

  constructor(scope: Construct, id: string, props: AccessPolicyProps = {}) {
    super(scope, id, 'AccessPolicy', props);
    this.action = props.action ?? AccessAction.ALLOW;
    // One call, so one check, for all the rules given (also when none: the policy is checked as built).
    this.addRule(...(props.rules ?? []));
  }

  /** Adds rules; they are checked at once. */
  addRule(...rules: AccessRuleOptions[]): this {
    this.rules.push(...rules);
    this.checkNow();
    return this;
  }

  protected override renderSpec(): AccessPolicySpecInput {
    return { targetRef: this.target.toSpec(), action: this.action, rules: this.rules.map(renderAccessRule) };
  }
}

function renderAccessRule(rule: AccessRuleOptions): AccessRule {
  return {
    ...(rule.from?.length ? { from: rule.from.map((p) => p.toSpec()) } : {}),
    ...(rule.to?.length ? { to: structuredClone(rule.to) } : {}),
    ...(rule.when?.length ? { when: rule.when.map((c) => c.toSpec()) } : {}),
  };
}
