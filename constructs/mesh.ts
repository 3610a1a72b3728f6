import type { Construct } from 'constructs';
import type { CertificateAuthority, MeshSpecInput, RetryBudget } from '../lib/api';
import { MeshResourceConstruct, type MeshResourceProps } from './mesh-resource';
import type { MtlsMode } from './mtls-mode';

/** What a sidecar does with calls to hosts the mesh does not know. */
export const OutboundPolicy = {
  /** Let them through. */
  ALLOW_ANY: 'ALLOW_ANY',
  /** Block them: only MeshServices and ExternalServices are reachable (egress control). */
  REGISTRY_ONLY: 'REGISTRY_ONLY',
} as const;

export type OutboundPolicy = (typeof OutboundPolicy)[keyof typeof OutboundPolicy];

/** Props of a Mesh. */
export interface MeshProps extends Omit<MeshResourceProps, 'namespace'> {
  /**
   * SPIFFE trust domain of workload identities.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;
  /**
   * Mesh-wide default mTLS mode; StrictMtls policies override it per namespace, service or port.
   * @default MtlsMode.PERMISSIVE
   */
  readonly mtlsMode?: MtlsMode;
  /**
   * The certificate authority issuing workload certificates.
   * @default a self-signed root, 24h workload certificates
   */
  readonly ca?: CertificateAuthority;
  /**
   * What sidecars do with calls to unknown hosts.
   * @default OutboundPolicy.ALLOW_ANY
   */
  readonly outboundPolicy?: OutboundPolicy;
  /**
   * Default retry budget of every route that retries (Linkerd semantics), like
   * `{ retryRatio: 0.2, minRetriesPerSecond: 10, ttl: '10s' }`.
   * @default no budget
   */
  readonly retryBudget?: RetryBudget;
  /**
   * Namespace of the control plane (controller, CA).
   * @default 'meshform-system'
   */
  readonly controlPlaneNamespace?: string;
}

/** The mesh itself (cluster-scoped): trust domain, default mTLS mode, CA, egress and retry defaults. */
export class Mesh extends MeshResourceConstruct<'Mesh'> {
  private readonly props: MeshProps;

  constructor(scope: Construct, id: string, props: MeshProps = {}) {
    super(scope, id, 'Mesh', props);
    this.props = props;
    this.checkNow();
  }

  protected override renderSpec(): MeshSpecInput {
    const { trustDomain, mtlsMode, ca, outboundPolicy, retryBudget, controlPlaneNamespace } = this.props;
    return structuredClone({
      trustDomain,
      ...(mtlsMode !== undefined ? { mtls: { mode: mtlsMode } } : {}),
      ca,
      outboundPolicy,
      retryBudget,
      controlPlaneNamespace,
    });
  }
}
