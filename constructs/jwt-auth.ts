import type { Construct } from 'constructs';
import type { JwtPolicySpecInput, JwtRule } from '../lib/api';
import type { Jwks } from './jwks';
import { TargetedPolicy, type TargetedPolicyProps } from './targeted-policy';

/** A token issuer the target accepts: the API's JWT rule, with its key source as a `Jwks`. */
export interface JwtIssuer extends Omit<JwtRule, 'jwks' | 'jwksUri'> {
  /** Where the issuer's signing keys come from. */
  readonly keys: Jwks;
}

/** Props of a JwtAuth policy. */
export interface JwtAuthProps extends TargetedPolicyProps {
  /**
   * Issuers whose tokens are accepted; more can be added with `addIssuer`.
   * @default none yet: add at least one before synth
   */
  readonly issuers?: JwtIssuer[];
  /**
   * Whether a request without a token is refused (401). False only refuses invalid tokens and
   * leaves the decision to an AccessPolicy (Istio RequestAuthentication).
   * @default true
   */
  readonly required?: boolean;
}

/**
 * Validates JWTs on requests to the target. The validated subject and claims are what
 * `Principal.jwt` and `Condition.claim` in an AccessPolicy match on.
 */
export class JwtAuth extends TargetedPolicy<'JwtPolicy'> {
  private readonly issuers: JwtIssuer[] = [];
  private readonly required?: boolean;

  constructor(scope: Construct, id: string, props: JwtAuthProps = {}) {
    super(scope, id, 'JwtPolicy', props);
    this.required = props.required;
    // One call, so one check, for all the issuers given (also when none: the policy is checked as built).
    this.addIssuer(...(props.issuers ?? []));
  }

  /** Accepts tokens of more issuers; they are checked at once. */
  addIssuer(...issuers: JwtIssuer[]): this {
    this.issuers.push(...issuers);
    this.checkNow();
    return this;
  }

  protected override renderSpec(): JwtPolicySpecInput {
    return {
      targetRef: this.target.toSpec(),
      rules: this.issuers.map(({ keys, ...rule }) => ({ ...structuredClone(rule), ...keys.toSpec() })),
      ...(this.required !== undefined ? { required: this.required } : {}),
    };
  }

  protected override pendingFields(): readonly string[] {
    return this.issuers.length === 0 ? ['spec.rules'] : [];
  }
}
