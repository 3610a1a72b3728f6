/** A service routes, policies and calls can name: a MeshService, an ExternalService, or one defined elsewhere. */
export interface IServiceRef {
  /** Name of the service (the MeshService or ExternalService resource). */
  readonly name: string;
  /** Namespace of the service; undefined means the referring resource's namespace. */
  readonly namespace?: string;
}

/** A MeshService as other constructs see it, for the checks they can make before synth. */
export interface IMeshServiceRef extends IServiceRef {
  /** The service account the workload runs as: its mesh identity. */
  readonly serviceAccount: string;
  /** Names of the service's versions (label subsets). */
  readonly versionNames: readonly string[];
  /** Port numbers the service listens on. */
  readonly portNumbers: readonly number[];
}

/** Whether a reference carries what a MeshService construct knows (its ports, versions, identity). */
export function isMeshServiceRef(ref: IServiceRef | undefined): ref is IMeshServiceRef {
  return ref !== undefined && 'portNumbers' in ref && 'versionNames' in ref;
}

/** References to services that are not constructs in this app. */
export class ServiceRef {
  /**
   * A service by name, such as one defined in another chart or applied by another team.
   * Cross-resource checks still look for it among the resources synthesized together.
   */
  static fromName(name: string, options: { readonly namespace?: string } = {}): IServiceRef {
    return { name, ...(options.namespace !== undefined ? { namespace: options.namespace } : {}) };
  }

  private constructor() {}
}
