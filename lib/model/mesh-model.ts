import { meshSpec, type MeshSpec, type MtlsMode } from '../api/mesh';
import type { KindName, MeshResource } from '../api/kinds';
import type { TargetRef } from '../api/common';
import { DEFAULT_NAMESPACE, GATEWAY_LABEL } from '../naming/names';

/** A validated mesh resource with its namespace resolved. */
export type Resolved<K extends KindName = KindName> = MeshResource<K> & { readonly metadata: { readonly namespace: string } };

const key = (namespace: string, name: string) => `${namespace}/${name}`;

/**
 * An indexed, read-only view of one mesh's validated resources: what the cross-resource checks and
 * the xDS translation both ask (which service is this, which policies apply to it, which mTLS mode
 * holds on a port).
 */
/** The order in which the first of two conflicting resources wins (by namespace, then name), as translation decides. */
export const byNamespacedName = (a: Resolved, b: Resolved): number =>
  a.metadata.namespace.localeCompare(b.metadata.namespace) || a.metadata.name.localeCompare(b.metadata.name);

export class MeshModel {
  readonly mesh: MeshSpec;
  readonly meshName: string;
  private readonly byKind = new Map<KindName, Resolved[]>();
  private readonly byKey = new Map<string, Resolved>();

  /**
   * The `kubernetes.io/tls` Secrets at hand (`<namespace>/<name>`), which gateway listeners serve;
   * undefined when the reader does not know them (synth, analysis of manifests alone): every
   * reference then counts as present.
   */
  readonly tlsSecrets: ReadonlySet<string> | undefined;

  constructor(resources: readonly MeshResource[], options: { readonly tlsSecrets?: ReadonlySet<string> } = {}) {
    this.tlsSecrets = options.tlsSecrets;
    const meshes = resources.filter((r) => r.kind === 'Mesh') as MeshResource<'Mesh'>[];
    this.mesh = meshes[0]?.spec ?? meshSpec.parse({});
    this.meshName = meshes[0]?.metadata.name ?? 'default';
    for (const r of resources) {
      const resolved = { ...r, metadata: { ...r.metadata, namespace: r.metadata.namespace ?? DEFAULT_NAMESPACE } } as Resolved;
      const list = this.byKind.get(r.kind) ?? [];
      list.push(resolved);
      this.byKind.set(r.kind, list);
      this.byKey.set(`${r.kind}/${key(resolved.metadata.namespace, r.metadata.name)}`, resolved);
    }
  }

  /** All resources of a kind, in the order given. */
  all<K extends KindName>(kind: K): readonly Resolved<K>[] {
    return (this.byKind.get(kind) ?? []) as Resolved<K>[];
  }

  get<K extends KindName>(kind: K, namespace: string, name: string): Resolved<K> | undefined {
    return this.byKey.get(`${kind}/${key(namespace, name)}`) as Resolved<K> | undefined;
  }

  service(namespace: string, name: string): Resolved<'MeshService'> | undefined {
    return this.get('MeshService', namespace, name);
  }

  externalService(namespace: string, name: string): Resolved<'ExternalService'> | undefined {
    return this.get('ExternalService', namespace, name);
  }

  gateway(namespace: string, name: string): Resolved<'MeshGateway'> | undefined {
    return this.get('MeshGateway', namespace, name);
  }

  /** Whether a TLS Secret a gateway names is at hand (always, when the Secrets are not known). */
  hasTlsSecret(namespace: string, name: string): boolean {
    return this.tlsSecrets?.has(`${namespace}/${name}`) ?? true;
  }

  /** The service account of a MeshGateway's pods: its SPIFFE identity. */
  gatewayServiceAccountOf(gateway: Resolved<'MeshGateway'>): string {
    return gateway.spec.serviceAccount ?? gateway.metadata.name;
  }

  /** The labels of a MeshGateway's pods. */
  gatewaySelectorOf(gateway: Resolved<'MeshGateway'>): Readonly<Record<string, string>> {
    return gateway.spec.selector ?? { [GATEWAY_LABEL]: gateway.metadata.name };
  }

  /**
   * Policies of a kind that name a gateway (`targetRef.kind: MeshGateway`). Mesh- and namespace-wide
   * policies are written for workloads and stay off the edge: a mesh-wide ALLOW on mesh principals
   * would shut out every client of an ingress gateway.
   */
  policiesForGateway<K extends 'AccessPolicy' | 'JwtPolicy' | 'RateLimit' | 'Telemetry'>(kind: K, gateway: Resolved<'MeshGateway'>): Resolved<K>[] {
    return this.all(kind).filter((p) => {
      const ref = p.spec.targetRef as TargetRef;
      return ref.kind === 'MeshGateway' && ref.name === gateway.metadata.name && (ref.namespace ?? p.metadata.namespace) === gateway.metadata.namespace;
    });
  }

  /** The SPIFFE service account of a MeshService. */
  serviceAccountOf(service: Resolved<'MeshService'>): string {
    return service.spec.serviceAccount ?? service.metadata.name;
  }

  /** Policies of a kind that apply to a service, most specific last (Mesh, then Namespace, then the service). */
  policiesFor<K extends 'MtlsPolicy' | 'AccessPolicy' | 'JwtPolicy' | 'RateLimit' | 'Telemetry'>(kind: K, service: Resolved<'MeshService'>): Resolved<K>[] {
    const rank = (p: Resolved<K>) => specificity(p.spec.targetRef as TargetRef, p.metadata.namespace, service);
    return this.all(kind)
      .filter((p) => rank(p) >= 0)
      .sort((a, b) => rank(a) - rank(b));
  }

  /** The mTLS mode a service's port accepts: port level, then service, namespace, mesh policy, mesh default. */
  mtlsMode(service: Resolved<'MeshService'>, port?: number): MtlsMode {
    let mode = this.mesh.mtls.mode;
    for (const policy of this.policiesFor('MtlsPolicy', service)) {
      mode = policy.spec.mode;
      const portMode = policy.spec.portLevel.find((p) => p.port === port);
      if (portMode && policy.spec.targetRef.kind === 'MeshService') mode = portMode.mode;
    }
    return mode;
  }
}

/** -1 when the target does not cover the service; otherwise higher is more specific. */
function specificity(ref: TargetRef, policyNamespace: string, service: Resolved<'MeshService'>): number {
  switch (ref.kind) {
    case 'Mesh':
      return 0;
    case 'Namespace':
      return policyNamespace === service.metadata.namespace ? 1 : -1;
    case 'MeshService':
      return ref.name === service.metadata.name && (ref.namespace ?? policyNamespace) === service.metadata.namespace ? 2 : -1;
    case 'MeshGateway':
      return -1;
  }
}
