import type { Construct } from 'constructs';
import type { ExternalServiceSpecInput } from '../lib/api';
import type { IGatewayRef } from './gateway-ref';
import { MeshResourceConstruct, type ConstructFinding, type MeshResourceProps } from './mesh-resource';
import type { IServiceRef } from './service-ref';

/** Props of an ExternalService. */
export interface ExternalServiceProps extends MeshResourceProps {
  /** Host names clients call, like 'api.stripe.com'. */
  readonly hosts: string[];
  /**
   * Ports and protocols, like `{ port: 443, protocol: 'https' }`.
   * @default one port, 443 https
   */
  readonly ports?: ExternalServiceSpecInput['ports'];
  /**
   * How the hosts are resolved.
   * @default 'DNS'
   */
  readonly resolution?: ExternalServiceSpecInput['resolution'];
  /**
   * Fixed addresses (resolution STATIC).
   * @default none
   */
  readonly endpoints?: ExternalServiceSpecInput['endpoints'];
  /**
   * TLS origination: with mode ORIGINATE the sidecar speaks TLS to the host, so the app may call it in plaintext.
   * @default mode NONE
   */
  readonly tls?: ExternalServiceSpecInput['tls'];
  /**
   * An EgressGateway the calls leave through: sidecars send them to it over mTLS, it originates
   * the TLS of `tls`, and its access policy (`EgressGateway.allow`) decides who may leave.
   * @default sidecars call the host directly
   */
  readonly egressGateway?: IGatewayRef;
}

/**
 * A service outside the mesh that workloads call, like a payment gateway or an email API. Under
 * an outbound policy of REGISTRY_ONLY only these (and MeshServices) are reachable.
 */
export class ExternalService extends MeshResourceConstruct<'ExternalService'> implements IServiceRef {
  private readonly props: ExternalServiceProps;

  constructor(scope: Construct, id: string, props: ExternalServiceProps) {
    super(scope, id, 'ExternalService', props);
    this.props = props;
    this.checkNow();
  }

  protected override renderSpec(): ExternalServiceSpecInput {
    const { hosts, ports = [{ port: 443, protocol: 'https' }], resolution, endpoints, tls, egressGateway: gateway } = this.props;
    const egressGateway = gateway && { name: gateway.name, ...(gateway.namespace !== undefined && gateway.namespace !== this.namespace ? { namespace: gateway.namespace } : {}) };
    return structuredClone({ hosts, ports, resolution, endpoints, tls, egressGateway });
  }

  protected override constructFindings(): ConstructFinding[] {
    const gateway = this.props.egressGateway;
    if (gateway === undefined || gateway.role === 'Egress') return [];
    return [{ code: 'NOT_AN_EGRESS_GATEWAY', field: 'egressGateway', message: `is ${gateway.role} gateway ${gateway.name}; traffic leaves the mesh through an egress gateway`, fix: 'pass an EgressGateway' }];
  }
}
