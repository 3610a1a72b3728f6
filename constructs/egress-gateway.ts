import type { Construct } from 'constructs';
import { MeshformValidationError } from '../lib/validation';
import { AccessPolicy } from './access-policy';
import { GatewayBase, type GatewayProps } from './gateway-base';
import { Listener } from './gateway-listener';
import { GatewayService } from './gateway-service';
import { PolicyTarget } from './policy-target';
import type { Principal } from './principal';

/** Props of an EgressGateway. */
export interface EgressGatewayProps extends GatewayProps {
  /**
   * Ports the gateway takes the mesh's outbound traffic on (sidecars reach it over mesh mTLS).
   * @default [Listener.http(80)]
   */
  readonly listeners?: Listener[];
  /**
   * How the gateway's Kubernetes Service exposes it; only mesh workloads should reach it.
   * @default GatewayService.clusterIp()
   */
  readonly service?: GatewayService;
}

/**
 * The way out of the mesh (Istio's egress gateway): ExternalServices that name it
 * (`egressGateway`) are reached through it, so outbound traffic leaves from known pods, with TLS
 * originated there and an access policy on who may leave (`allow`).
 */
export class EgressGateway extends GatewayBase {
  private allowPolicy?: AccessPolicy;

  constructor(scope: Construct, id: string, props: EgressGatewayProps = {}) {
    super(scope, id, props, { role: 'Egress', listeners: props.listeners ?? [Listener.http(80)], service: props.service ?? GatewayService.clusterIp() });
  }

  /**
   * Lets these callers leave through the gateway. Once anyone is allowed, everyone else is refused
   * (403): the gateway's ALLOW policy (named "<gateway>-allow") lists who may leave.
   */
  allow(...principals: Principal[]): this {
    if (principals.length === 0) {
      // An access rule without sources matches every caller: an empty call would open the gateway to all.
      throw new MeshformValidationError([{ code: 'REQUIRED', where: this.node.path, field: 'allow', message: 'names no caller', limit: '>= 1 principal', fix: 'pass the principals that may leave, like Principal.service(web)' }]);
    }
    this.allowPolicy ??= new AccessPolicy(this, 'Allow', { name: `${this.name}-allow`, namespace: this.namespace, target: PolicyTarget.gateway(this) });
    this.allowPolicy.addRule({ from: principals });
    return this;
  }
}
