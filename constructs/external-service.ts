import type { Construct } from 'constructs';
import type { ExternalServiceSpecInput } from '../lib/api';
import { MeshResourceConstruct, type MeshResourceProps } from './mesh-resource';
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
    const { hosts, ports = [{ port: 443, protocol: 'https' }], resolution, endpoints, tls } = this.props;
    return structuredClone({ hosts, ports, resolution, endpoints, tls });
  }
}
