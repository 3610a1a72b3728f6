import type { TargetRef } from '../lib/api';
import type { IServiceRef } from './service-ref';

/**
 * What a policy applies to (Kuma's `targetRef`): the whole mesh, the policy's namespace, or one
 * service. The most specific policy wins.
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

  private constructor(
    private readonly ref: TargetRef,
    /** The targeted service, when the target is one. */
    readonly service?: IServiceRef,
  ) {}

  /** The `targetRef` this renders to. */
  toSpec(): TargetRef {
    return { ...this.ref };
  }
}
