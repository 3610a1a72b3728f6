import type { Construct } from 'constructs';
import { MeshformValidationError } from '../lib/validation';
import { GatewayBase, type GatewayProps } from './gateway-base';
import type { Listener } from './gateway-listener';
import type { GatewayRoute } from './gateway-route';
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
  constructor(scope: Construct, id: string, props: IngressGatewayProps) {
    super(scope, id, props, { role: 'Ingress', listeners: props.listeners, service: props.service ?? GatewayService.loadBalancer() });
  }

  /**
   * Answers every request on the gateway's HTTP listeners with a redirect to the same URL over HTTPS.
   * @returns one GatewayRoute per HTTP listener
   */
  redirectToHttps(options: RedirectToHttpsOptions = {}): GatewayRoute[] {
    const httpsPort = options.port ?? this.listeners.find((l) => l.protocol === 'HTTPS')?.port;
    const http = this.listeners.filter((l) => l.protocol === 'HTTP');
    const problem = redirectFinding(httpsPort, http.length);
    if (problem) throw new MeshformValidationError([{ ...problem, where: this.node.path }]);
    return http.map((listener) =>
      this.addRoute(`RedirectToHttps-${listener.name}`, { listener, rules: [{ name: 'to-https', redirect: { scheme: 'https', port: httpsPort, statusCode: options.statusCode ?? 301 } }] }),
    );
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
