import type { AccessSource } from '../lib/api';
import type { IGatewayRef } from './gateway-ref';
import type { IMeshServiceRef } from './service-ref';

/** Options of a service-account principal. */
export interface ServiceAccountOptions {
  /**
   * Namespace of the service account.
   * @default any namespace
   */
  readonly namespace?: string;
}

/** Who sends a request, as an access rule sees it: a workload identity, a namespace, or a JWT subject. */
export class Principal {
  /** Workloads running as this service account, like `Principal.serviceAccount('web')`. */
  static serviceAccount(name: string, options: ServiceAccountOptions = {}): Principal {
    return new Principal({ serviceAccounts: [name], ...(options.namespace !== undefined ? { namespaces: [options.namespace] } : {}) });
  }

  /** The workloads of a MeshService, by the identity it runs as. */
  static service(service: IMeshServiceRef): Principal {
    return Principal.serviceAccount(service.serviceAccount, service.namespace !== undefined ? { namespace: service.namespace } : {});
  }

  /** The proxies of a gateway, by the identity they run as: what a service behind an ingress gateway admits. */
  static gateway(gateway: IGatewayRef): Principal {
    return Principal.serviceAccount(gateway.serviceAccount, gateway.namespace !== undefined ? { namespace: gateway.namespace } : {});
  }

  /** Every workload in a namespace. */
  static namespace(name: string): Principal {
    return new Principal({ namespaces: [name] });
  }

  /** A SPIFFE id without its scheme, like "cluster.local/ns/shop/sa/web"; "*" wildcards allowed at either end. */
  static spiffe(id: string): Principal {
    return new Principal({ principals: [id] });
  }

  /** Any workload with a mesh identity, i.e. any caller that came over mTLS. */
  static anyAuthenticated(): Principal {
    return new Principal({ principals: ['*'] });
  }

  /** The subject of a validated JWT from `issuer` (see `JwtAuth`). @param subject @default any subject */
  static jwt(issuer: string, subject = '*'): Principal {
    return new Principal({ requestPrincipals: [`${issuer}/${subject}`] });
  }

  private constructor(private readonly spec: AccessSource) {}

  /** The access source this renders to. */
  toSpec(): AccessSource {
    return structuredClone(this.spec);
  }
}
