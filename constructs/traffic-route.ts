import type { Construct } from 'constructs';
import type { HeaderChanges, RouteRuleInput } from '../lib/api';
import type { Backend } from './backend';
import type { FaultInjection } from './fault-injection';
import type { Match } from './match';
import { MeshResourceConstruct, type MeshResourceProps } from './mesh-resource';
import type { Retry } from './retry';
import type { IServiceRef } from './service-ref';
import type { Timeout } from './timeout';
import type { TrafficMirror } from './traffic-mirror';

/** What a rule does to the requests it takes besides choosing where they go. */
export interface RoutePolicyOptions {
  /**
   * Whole-request timeout, retries included.
   * @default no timeout
   */
  readonly timeout?: Timeout;
  /**
   * Retries of failed requests.
   * @default the proxy's default retries (2 attempts on connect-failure, refused-stream, unavailable, cancelled)
   */
  readonly retry?: Retry;
  /**
   * Delays or aborts injected for resilience testing.
   * @default no fault
   */
  readonly fault?: FaultInjection;
  /**
   * Copies requests to a shadow backend.
   * @default no mirror
   */
  readonly mirror?: TrafficMirror;
  /**
   * Changes to request headers before forwarding.
   * @default none
   */
  readonly requestHeaders?: HeaderChanges;
  /**
   * Changes to response headers before answering.
   * @default none
   */
  readonly responseHeaders?: HeaderChanges;
}

/** One rule of a route: which requests, and what happens to them. */
export interface RouteRuleOptions extends RoutePolicyOptions {
  /**
   * Rule name, used in metrics and access logs and by `RateLimit` to limit one rule.
   * @default unnamed
   */
  readonly name?: string;
  /**
   * Requests the rule takes; any one match suffices.
   * @default every request
   */
  readonly matches?: Match[];
  /**
   * Where the requests go; weights add up to 100.
   * @default none (set `redirect` or `directResponse` instead)
   */
  readonly backends?: Backend[];
  /**
   * Rewrites the path or authority before forwarding.
   * @default no rewrite
   */
  readonly rewrite?: RouteRuleInput['rewrite'];
  /**
   * Answers with a redirect instead of forwarding.
   * @default no redirect
   */
  readonly redirect?: RouteRuleInput['redirect'];
  /**
   * Answers directly with a status and body instead of forwarding.
   * @default no direct response
   */
  readonly directResponse?: RouteRuleInput['directResponse'];
}

/** Renders rule options to the API's rule; unset options stay absent so the manifest shows only what was written. */
export function renderRule(rule: RouteRuleOptions): RouteRuleInput {
  const { name, matches, backends, timeout, retry, fault, mirror, ...plain } = rule;
  return {
    ...(name !== undefined ? { name } : {}),
    ...(matches?.length ? { matches: matches.map((m) => m.toSpec()) } : {}),
    ...(backends?.length ? { backends: backends.map((b) => b.toSpec()) } : {}),
    ...(timeout ? { timeout: timeout.toSpec() } : {}),
    ...(retry ? { retry: retry.toSpec() } : {}),
    ...(fault ? { fault: fault.toSpec() } : {}),
    ...(mirror ? { mirror: mirror.toSpec() } : {}),
    ...structuredClone(plain),
  };
}

/** Props of every construct that renders a TrafficRoute. */
export interface RouteBaseProps extends MeshResourceProps {
  /** The service (MeshService or ExternalService) whose traffic the route decides. */
  readonly service: IServiceRef;
  /**
   * Only this port of the service.
   * @default every port
   */
  readonly port?: number;
}

/**
 * A construct rendering one TrafficRoute: rules checked in order, the first whose match fits wins.
 * Subclasses decide which rules surround the ones added with `addRule`.
 */
export abstract class RouteBase extends MeshResourceConstruct<'TrafficRoute'> {
  /** The service whose traffic the route decides. */
  readonly service: IServiceRef;
  private readonly port?: number;
  private readonly addedRules: RouteRuleOptions[] = [];

  protected constructor(scope: Construct, id: string, props: RouteBaseProps) {
    super(scope, id, 'TrafficRoute', props, props.service.namespace);
    this.service = props.service;
    this.port = props.port;
  }

  /** Adds rules after the rules added so far; they are checked at once. */
  addRule(...rules: RouteRuleOptions[]): this {
    this.addedRules.push(...rules);
    this.checkNow();
    return this;
  }

  /** The rules in the order the proxy checks them. */
  protected rules(): readonly RouteRuleOptions[] {
    return this.addedRules;
  }

  protected override renderSpec() {
    const { name, namespace } = this.service;
    return {
      service: { name, ...(namespace !== undefined ? { namespace } : {}), ...(this.port !== undefined ? { port: this.port } : {}) },
      rules: this.rules().map(renderRule),
    };
  }

  protected override pendingFields(): readonly string[] {
    return this.rules().length === 0 ? ['spec.rules'] : [];
  }
}

/** Props of a TrafficRoute. */
export interface TrafficRouteProps extends RouteBaseProps {
  /**
   * Rules, checked in order; more can be added with `addRule`.
   * @default none yet: add at least one before synth
   */
  readonly rules?: RouteRuleOptions[];
}

/**
 * How requests to a service are matched, split, retried, timed out, faulted and mirrored (Istio's
 * VirtualService for one host).
 */
export class TrafficRoute extends RouteBase {
  constructor(scope: Construct, id: string, props: TrafficRouteProps) {
    super(scope, id, props);
    // One call, so one check, for all the rules given (also when none: the route is checked as built).
    this.addRule(...(props.rules ?? []));
  }
}
