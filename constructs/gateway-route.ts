import type { Construct } from 'constructs';
import type { GatewayRouteSpecInput } from '../lib/api';
import { ExternalService } from './external-service';
import type { Listener } from './gateway-listener';
import type { IGatewayRef } from './gateway-ref';
import { MeshResourceConstruct, type ConstructFinding, type MeshResourceProps } from './mesh-resource';
import { isMeshServiceRef } from './service-ref';
import { renderRule, type RouteRuleOptions } from './traffic-route';

/** What a route at a gateway takes, besides the gateway. */
export interface GatewayRouteOptions {
  /**
   * Only this listener of the gateway (Gateway API `sectionName`).
   * @default every listener that serves the route's hostnames
   */
  readonly listener?: Listener;
  /**
   * Host headers the route serves, like 'shop.example.com' or '*.example.com'; each must be served by a listener.
   * @default every host of the listeners
   */
  readonly hostnames?: string[];
  /**
   * Rules, checked in order: the same matches, splits, retries, timeouts, faults, mirrors, header
   * changes, rewrites and redirects as a TrafficRoute's; every backend names a service
   * (`Backend.service`). More can be added with `addRule`.
   * @default none yet: add at least one before synth
   */
  readonly rules?: RouteRuleOptions[];
}

/** Props of a GatewayRoute. */
export interface GatewayRouteProps extends MeshResourceProps, GatewayRouteOptions {
  /** The gateway whose listeners the route attaches to. */
  readonly gateway: IGatewayRef;
}

/**
 * Routes at a gateway (the Gateway API's HTTPRoute with a Gateway parent): requests for
 * `hostnames` arriving at the gateway go to MeshServices (ingress) or ExternalServices (egress).
 */
export class GatewayRoute extends MeshResourceConstruct<'GatewayRoute'> {
  /** The gateway the route attaches to. */
  readonly gateway: IGatewayRef;
  /** The listener the route is limited to; undefined for every listener that serves its hostnames. */
  readonly listener?: Listener;
  /** Host headers the route serves; empty for every host of its listeners. */
  readonly hostnames: readonly string[];
  private readonly addedRules: RouteRuleOptions[] = [];

  constructor(scope: Construct, id: string, props: GatewayRouteProps) {
    super(scope, id, 'GatewayRoute', props, props.gateway.namespace);
    this.gateway = props.gateway;
    this.listener = props.listener;
    this.hostnames = [...(props.hostnames ?? [])];
    // One call, so one check, for all the rules given (also when none: the route is checked as built).
    this.addRule(...(props.rules ?? []));
  }

  /** Adds rules after the rules added so far; they are checked at once. */
  addRule(...rules: RouteRuleOptions[]): this {
    this.addedRules.push(...rules);
    this.checkNow();
    return this;
  }

  protected override renderSpec(): GatewayRouteSpecInput {
    const { name, namespace } = this.gateway;
    return {
      parentRefs: [{ name, ...(namespace !== undefined ? { namespace } : {}), ...(this.listener ? { sectionName: this.listener.name } : {}) }],
      ...(this.hostnames.length ? { hostnames: [...this.hostnames] } : {}),
      rules: this.addedRules.map(renderRule),
    };
  }

  protected override pendingFields(): readonly string[] {
    return this.addedRules.length === 0 ? ['spec.rules'] : [];
  }

  protected override constructFindings(): ConstructFinding[] {
    const gateway = `${this.gateway.role} gateway ${this.gateway.name}`;
    const findings: ConstructFinding[] = [];
    if (this.listener && !this.gateway.listeners.includes(this.listener)) {
      findings.push({ code: 'UNKNOWN_LISTENER', field: 'listener', message: `is listener ${this.listener.name}, which is not one of ${gateway}'s`, limit: this.gateway.listeners.map((l) => l.name).join(', '), fix: `pass one of the gateway's listeners, or add ${this.listener.name} to the gateway` });
    }
    const listeners = this.listener ? [this.listener] : this.gateway.listeners;
    const gatewayNamespace = this.gateway.namespace ?? this.namespace;
    if (gatewayNamespace !== this.namespace && listeners.every((l) => l.allowedRoutes === 'Same')) {
      findings.push({ code: 'ROUTE_NOT_ALLOWED', field: 'namespace', message: `is ${this.namespace}, but ${gateway}'s listeners take routes only from its own namespace ${gatewayNamespace}`, fix: `put the route in namespace ${gatewayNamespace}, or give the listener allowedRoutes: 'All'` });
    }
    this.hostnames.forEach((host, i) => {
      if (!listeners.some((l) => l.serves(host))) {
        const served = listeners.map((l) => l.hostname ?? '*').join(', ');
        findings.push({ code: 'HOSTNAME_NOT_SERVED', field: `hostnames[${i}]`, message: `is ${host}, which no listener of ${gateway}${this.listener ? ` (${this.listener.name})` : ''} serves`, limit: served, fix: `add a listener for ${host} to the gateway, or use one of ${served}` });
      }
    });
    this.addedRules.forEach((rule, r) =>
      (rule.backends ?? []).forEach((backend, b) => {
        const service = backend.service;
        if (service === undefined) return;
        const field = `rules[${r}].backends[${b}]`;
        if (this.gateway.role === 'Ingress' && service instanceof ExternalService) {
          findings.push({ code: 'BACKEND_NOT_IN_MESH', field, message: `is ExternalService ${service.name}, outside the mesh; an ingress gateway sends to MeshServices`, fix: `route to a MeshService, or send traffic for ${service.name} out through an EgressGateway` });
        }
        if (this.gateway.role === 'Egress' && isMeshServiceRef(service)) {
          findings.push({ code: 'BACKEND_NOT_EXTERNAL', field, message: `is MeshService ${service.name}; an egress gateway sends to ExternalServices`, fix: `route to an ExternalService; mesh services are called directly` });
        }
      }),
    );
    return findings;
  }
}
