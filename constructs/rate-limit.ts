import type { Construct } from 'constructs';
import type { RateLimitSpecInput } from '../lib/api';
import { durationString, type DurationLike } from './duration';
import { TargetedPolicy, type TargetedPolicyProps } from './targeted-policy';

/** Props of a RateLimit. */
export interface RateLimitProps extends TargetedPolicyProps {
  /** Bucket size: requests allowed in a burst, like 100. */
  readonly tokens: number;
  /** How often the bucket is refilled, like '60s'. */
  readonly fillInterval: DurationLike;
  /**
   * Tokens added at each refill.
   * @default tokens (the bucket is refilled completely)
   */
  readonly tokensPerFill?: number;
  /**
   * Limit only the TrafficRoute rule of this name.
   * @default every request to the target
   */
  readonly route?: string;
  /**
   * What a limited request gets.
   * @default status 429, no extra headers
   */
  readonly response?: RateLimitSpecInput['response'];
}

/**
 * A local token-bucket rate limit on the inbound requests of the target's workloads (each proxy
 * counts its own), like 100 requests per 60s.
 */
export class RateLimit extends TargetedPolicy<'RateLimit'> {
  private readonly props: RateLimitProps;

  constructor(scope: Construct, id: string, props: RateLimitProps) {
    super(scope, id, 'RateLimit', props);
    this.props = props;
    this.checkNow();
  }

  protected override renderSpec(): RateLimitSpecInput {
    const { tokens, fillInterval, tokensPerFill, route, response } = this.props;
    return {
      targetRef: this.target.toSpec(),
      ...(route !== undefined ? { route } : {}),
      local: { tokens, fillInterval: durationString(fillInterval), ...(tokensPerFill !== undefined ? { tokensPerFill } : {}) },
      ...(response ? { response: structuredClone(response) } : {}),
    };
  }
}
