import type { Construct } from 'constructs';
import { formatFinding, MeshformValidationError, type Finding } from '../lib/validation';
import { GatewayBase, type GatewayProps } from './gateway-base';
import type { Listener } from './gateway-listener';
import { GatewayRoute } from './gateway-route';
import { GatewayService } from './gateway-service';
import type { ConstructFinding } from './mesh-resource';

/** Props of an IngressGateway. */
export interface IngressGatewayProps extends GatewayProps {
  /** Ports and hostnames the gateway listens on, like `[Listener.http(80), Listener.https(443, { hostname, certificates })]`. */
  readonly listeners: Listener[];
  /**
   * How the gateway's Kubernetes Service exposes it.
   * @default GatewayService.loadBalancer()
   */
  readonly service?: GatewayService;
}

/** Options of `redirectToHttps`. */
export interface RedirectToHttpsOptions {
  /**
   * The HTTPS port redirected to.
   * @default the port of the gateway's first HTTPS listener
   */
  readonly port?: number;
  /**
   * 301 (permanent) or 308 (permanent, keeps the method and body).
   * @default 301
   */
  readonly statusCode?: 301 | 308;
}

/**
 * The way into the mesh (Istio's ingress gateway, the Gateway API's Gateway): listeners per port
 * and hostname with TLS terminated by SNI-chosen certificates, routes to MeshServices with
 * everything a TrafficRoute offers, and JWT, authorization and rate limits at the edge through
 * policies targeting `PolicyTarget.gateway(gw)`.
 */
export class IngressGateway extends GatewayBase {
  private readonly redirectRoutes: GatewayRoute[] = [];

  constructor(scope: Construct, id: string, props: IngressGatewayProps) {
    super(scope, id, props, { role: 'Ingress', listeners: props.listeners, service: props.service ?? GatewayService.loadBalancer() });
    this.node.addValidation({ validate: () => this.redirectShadowFindings().map(formatFinding) });
  }

  /**
   * Answers every request on the gateway's HTTP listeners with a redirect to the same URL over HTTPS.
   * Give the other routes the HTTPS listener (`listener`): a route on a redirected listener would
   * answer its hostnames there instead (checked at synth).
   * @returns one GatewayRoute per HTTP listener
   */
  redirectToHttps(options: RedirectToHttpsOptions = {}): GatewayRoute[] {
    const httpsPort = options.port ?? this.listeners.find((l) => l.protocol === 'HTTPS')?.port;
    const http = this.listeners.filter((l) => l.protocol === 'HTTP');
    const problem = redirectFinding(httpsPort, http.length);
    if (problem) throw new MeshformValidationError([{ ...problem, where: this.node.path }]);
    const routes = http.map((listener) =>
      this.addRoute(`RedirectToHttps-${listener.name}`, { listener, rules: [{ name: 'to-https', redirect: { scheme: 'https', port: httpsPort, statusCode: options.statusCode ?? 301 } }] }),
    );
    this.redirectRoutes.push(...routes);
    return routes;
  }

  /** Routes of this gateway that would answer on a redirected listener, where the redirect should. */
  private redirectShadowFindings(): Finding[] {
    const redirected = this.redirectRoutes.flatMap((r) => (r.listener ? [r.listener] : []));
    if (redirected.length === 0) return [];
    const routes = this.node.root.node.findAll().filter((c): c is GatewayRoute => c instanceof GatewayRoute && c.gateway === this && !this.redirectRoutes.includes(c));
    return routes.flatMap((route) => {
      const shadowed = redirected.filter((l) => (route.listener === undefined || route.listener === l) && (route.hostnames.length === 0 || route.hostnames.some((h) => l.serves(h))));
      return shadowed.map((l) => ({
        code: 'ROUTE_SHADOWS_REDIRECT',
        where: route.node.path,
        field: 'listener',
        message: `${route.listener ? `is ${l.name}` : `is unset, so the route also attaches to ${l.name}`}, whose requests redirectToHttps() redirects; the route would answer them instead`,
        fix: `pass the HTTPS listener as the route's listener`,
      }));
    });
  }
}

function redirectFinding(httpsPort: number | undefined, httpListeners: number): ConstructFinding | undefined {
  if (httpListeners === 0) {
    return { code: 'NO_HTTP_LISTENER', field: 'listeners', message: 'has no HTTP listener whose requests could be redirected', fix: 'add Listener.http(80) to the gateway' };
  }
  if (httpsPort === undefined) {
    return { code: 'NO_HTTPS_LISTENER', field: 'listeners', message: 'has no HTTPS listener to redirect to', fix: 'add Listener.https(443, { certificates }) to the gateway, or pass redirectToHttps({ port }) for an HTTPS port served elsewhere' };
  }
  return undefined;
}
