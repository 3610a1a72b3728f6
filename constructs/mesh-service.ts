import type { Construct } from 'constructs';
import type { MeshServiceSpecInput, ServicePort, ServiceVersion } from '../lib/api';
import { MeshResourceConstruct, type MeshResourceProps } from './mesh-resource';
import type { IMeshServiceRef, IServiceRef } from './service-ref';
import type { Workload } from './workload';

/** Props of a MeshService. */
export interface MeshServiceProps extends MeshResourceProps {
  /**
   * Ports clients call, each with its protocol (http, http2, grpc, tcp), like `{ port: 9080, protocol: 'http' }`.
   * @default the adopted Kubernetes Service's ports (protocol http); required otherwise
   */
  readonly ports?: ServicePort[];
  /**
   * Pod labels that select the workload.
   * @default { app: <name> }
   */
  readonly selector?: Record<string, string>;
  /**
   * The service account the workload runs as: its identity (`spiffe://<trust domain>/ns/<namespace>/sa/<account>`).
   * @default the adopted Deployment's service account, else the service name
   */
  readonly serviceAccount?: string;
  /**
   * Versions, each a named label subset that routes can send to, like `{ name: 'v2', labels: { version: 'v2' } }`.
   * @default none
   */
  readonly versions?: ServiceVersion[];
  /**
   * Services this workload calls; its sidecar gets outbound configuration only for these. More can be added with `addCall`.
   * @default none
   */
  readonly calls?: IServiceRef[];
  /**
   * Whether the workload's pods get a sidecar; false leaves it outside the mesh (plaintext only).
   * @default true
   */
  readonly injectSidecar?: boolean;
  /**
   * The Kubernetes workload: created from an image (`Workload.image`) or adopted from cdk8s-plus (`Workload.adopt`).
   * @default none: the pods are deployed some other way
   */
  readonly workload?: Workload;
}

/**
 * A service in the mesh: its ports and protocols, identity, versions and the services it calls,
 * optionally with the Kubernetes Deployments and Service behind it.
 */
export class MeshService extends MeshResourceConstruct<'MeshService'> implements IMeshServiceRef {
  /** The service account the workload runs as. */
  readonly serviceAccount: string;
  /** Names of the service's versions. */
  readonly versionNames: readonly string[];
  /** Port numbers clients call. */
  readonly portNumbers: readonly number[];
  private readonly spec: Omit<MeshServiceSpecInput, 'calls'>;
  private readonly calls: IServiceRef[] = [];

  constructor(scope: Construct, id: string, props: MeshServiceProps = {}) {
    const defaults = props.workload?.defaults() ?? {};
    super(scope, id, 'MeshService', { ...props, name: props.name ?? defaults.name });
    const { ports = defaults.ports ?? [], selector = { app: this.name }, versions = [], injectSidecar = true } = props;
    this.serviceAccount = props.serviceAccount ?? defaults.serviceAccount ?? this.name;
    this.versionNames = versions.map((v) => v.name);
    this.portNumbers = ports.map((p) => p.port);
    this.spec = structuredClone({
      selector,
      ports,
      ...(props.serviceAccount !== undefined || defaults.serviceAccount !== undefined ? { serviceAccount: this.serviceAccount } : {}),
      ...(versions.length ? { versions } : {}),
      ...(injectSidecar ? {} : { sidecar: { inject: false } }),
      ...(defaults.replicas !== undefined ? { replicas: defaults.replicas } : {}),
    });
    this.calls.push(...(props.calls ?? []));
    this.checkNow();
    props.workload?.bind(this, { name: this.name, namespace: this.namespace, selector, ports, serviceAccount: this.serviceAccount, versions, injectSidecar });
  }

  /** Declares services this workload calls; each is checked to exist at synth. */
  addCall(...services: IServiceRef[]): this {
    this.calls.push(...services);
    this.checkNow();
    return this;
  }

  protected override renderSpec(): MeshServiceSpecInput {
    const calls = this.calls.map(({ name, namespace }) => ({ name, ...(namespace !== undefined ? { namespace } : {}) }));
    return { ...structuredClone(this.spec), ...(calls.length ? { calls } : {}) };
  }
}
