import type { Construct } from 'constructs';
import { Backend } from './backend';
import { Canary, type CanaryAnalysis } from './canary';
import type { Match } from './match';
import type { ConstructFinding } from './mesh-resource';
import { RouteBase, type RouteBaseProps, type RoutePolicyOptions, type RouteRuleOptions } from './traffic-route';

/** Props of a CanaryRoute. */
export interface CanaryRouteProps extends RouteBaseProps, RoutePolicyOptions {
  /** The version serving most traffic, like "v1". */
  readonly stable: string;
  /** The version being tried, like "v2". */
  readonly canary: string;
  /**
   * Percent of unmatched traffic sent to the canary; the stable version gets the rest
   * (10 gives the classic 90/10 split, 25 a 75/25 one).
   * @default 0 with `analysis` (the controller steps it up), 10 otherwise
   */
  readonly canaryWeight?: number;
  /**
   * Requests that always go to the canary, like `Match.header('canary', 'true')` or
   * `Match.cookie('user', 'premium')`; any one suffices.
   * @default none
   */
  readonly canaryMatches?: Match[];
  /**
   * Progressive delivery: when set, a `Canary` resource lets the controller step the weight up
   * while the canary stays healthy, promote it, or roll it back.
   * @default the weights stay as written
   */
  readonly analysis?: CanaryAnalysis;
}

/**
 * A route that splits a service's traffic between a stable and a canary version by weight, sends
 * matching requests (a header, a cookie) straight to the canary, and optionally hands the weight
 * to the controller for a progressive rollout. Rules added with `addRule` sit between the canary
 * matches and the weighted split, so more specific routing (a query parameter to a third version)
 * still works.
 */
export class CanaryRoute extends RouteBase {
  /** The stable version. */
  readonly stable: string;
  /** The canary version. */
  readonly canary: string;
  /** Percent of unmatched traffic the canary gets, as synthesized. */
  readonly canaryWeight: number;
  /** The progressive canary, when `analysis` is set. */
  readonly progressive?: Canary;
  private readonly canaryMatches: readonly Match[];
  private readonly policy: RoutePolicyOptions;

  constructor(scope: Construct, id: string, props: CanaryRouteProps) {
    super(scope, id, props);
    const { stable, canary, canaryWeight, canaryMatches = [], analysis, timeout, retry, fault, mirror, requestHeaders, responseHeaders } = props;
    this.stable = stable;
    this.canary = canary;
    this.canaryWeight = canaryWeight ?? (analysis ? 0 : 10);
    this.canaryMatches = canaryMatches;
    this.policy = { timeout, retry, fault, mirror, requestHeaders, responseHeaders };
    this.checkNow();
    if (analysis) {
      this.progressive = new Canary(this, 'Canary', {
        name: this.name,
        namespace: this.namespace,
        service: props.service,
        route: this,
        stableVersion: stable,
        canaryVersion: canary,
        analysis,
      });
    }
  }

  /** Canary matches first, then the added rules, then the weighted split for everything else; each carries the route's policy. */
  protected override rules(): readonly RouteRuleOptions[] {
    const matched: RouteRuleOptions[] = this.canaryMatches.length ? [{ name: 'canary-match', matches: [...this.canaryMatches], backends: [Backend.version(this.canary)] }] : [];
    const split: RouteRuleOptions = { name: 'canary-split', backends: [Backend.version(this.stable, 100 - this.canaryWeight), Backend.version(this.canary, this.canaryWeight)] };
    return [...matched, ...super.rules(), split].map((rule) => ({ ...this.policy, ...rule }));
  }

  protected override constructFindings(): ConstructFinding[] {
    const findings: ConstructFinding[] = [];
    const w = this.canaryWeight;
    if (!Number.isInteger(w) || w < 0 || w > 100) {
      findings.push({ code: 'OUT_OF_RANGE', field: 'canaryWeight', message: `is ${w}; it must be a whole percent from 0 to 100`, limit: '0..100', fix: 'set canaryWeight between 0 and 100 (the stable version gets the rest)' });
    }
    if (this.stable === this.canary) {
      findings.push({ code: 'SAME_VERSION', field: 'canary', message: `is "${this.canary}", the same as stable`, fix: 'name the new version as canary and the current one as stable' });
    }
    return findings;
  }
}
