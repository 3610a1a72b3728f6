import type { TargetRef } from '../lib/api';
import type { IGatewayRef } from './gateway-ref';
import type { IServiceRef } from './service-ref';

/**
 * What a policy applies to (Kuma's `targetRef`): the whole mesh, the policy's namespace, one
 * service, or one gateway (JWT, authorization and rate limits at the edge). The most specific policy wins.
 */
export class PolicyTarget {
  /** Every workload of the mesh. */
  static mesh(): PolicyTarget {
    return new PolicyTarget({ kind: 'Mesh' });
  }

  /** Every workload in the policy's namespace. */
  static namespace(): PolicyTarget {
    return new PolicyTarget({ kind: 'Namespace' });
  }

  /** The workloads of one service. */
  static service(service: IServiceRef): PolicyTarget {
    return new PolicyTarget({ kind: 'MeshService', name: service.name, ...(service.namespace !== undefined ? { namespace: service.namespace } : {}) }, service);
  }

  /** The proxies of one gateway (an `IngressGateway` or `EgressGateway`): the policy runs at the edge. */
  static gateway(gateway: IGatewayRef): PolicyTarget {
    return new PolicyTarget({ kind: 'MeshGateway', name: gateway.name, ...(gateway.namespace !== undefined ? { namespace: gateway.namespace } : {}) }, undefined, gateway.namespace);
  }

  private constructor(
    private readonly ref: TargetRef,
    /** The targeted service, when the target is one. */
    readonly service?: IServiceRef,
    /** Namespace of the targeted service or gateway, where the policy lives unless told otherwise. */
    readonly namespace: string | undefined = service?.namespace,
  ) {}

  /** The `targetRef` this renders to. */
  toSpec(): TargetRef {
    return { ...this.ref };
  }
}
