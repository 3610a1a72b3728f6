import type { BackendRef } from '../lib/api';
import type { IServiceRef } from './service-ref';

/** Options of a backend of another service. */
export interface ServiceBackendOptions {
  /**
   * Version (label subset) of the service.
   * @default any version
   */
  readonly version?: string;
  /**
   * Port of the service.
   * @default the route's port
   */
  readonly port?: number;
  /**
   * Share of the rule's requests in percent; a rule's weights add up to 100.
   * @default 100
   */
  readonly weight?: number;
}

/** Where a route rule sends requests. */
export class Backend {
  /** A version of the route's own service, like `Backend.version('v1', 90)`. */
  static version(version: string, weight?: number): Backend {
    return new Backend({ version, ...(weight !== undefined ? { weight } : {}) });
  }

  /** Another service (a MeshService or an ExternalService), optionally one version of it. */
  static service(service: IServiceRef, options: ServiceBackendOptions = {}): Backend {
    return new Backend({ name: service.name, ...(service.namespace !== undefined ? { namespace: service.namespace } : {}), ...options }, service);
  }

  private constructor(
    private readonly spec: BackendRef,
    /** The service sent to, when it was named by reference (not a version of the route's own service). */
    readonly service?: IServiceRef,
  ) {}

  /** The backend reference this renders to. */
  toSpec(): BackendRef {
    return { ...this.spec };
  }
}
