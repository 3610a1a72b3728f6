import { ApiObject, Chart, Lazy } from 'cdk8s';
import type * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { ServicePort, ServiceVersion } from '../lib/api';
import { DEFAULT_NAMESPACE } from '../lib/naming';
import { INJECT_ANNOTATION, podFieldRef } from '../lib/injection';
import { SidecarInjection } from './sidecar-injection';

/** Pod annotation the sidecar injector reads: "true" adds a proxy to the pod, "false" leaves it out of the mesh. */
export const SIDECAR_INJECT_ANNOTATION = INJECT_ANNOTATION;

/** What a MeshService has settled when its workload is bound. */
export interface WorkloadBinding {
  /** The service name (and Kubernetes Service name). */
  readonly name: string;
  /** Namespace of the objects, when one is set. */
  readonly namespace?: string;
  /** Pod labels of the whole service. */
  readonly selector: Record<string, string>;
  /** Ports clients call. */
  readonly ports: readonly ServicePort[];
  /** Service account the pods run as. */
  readonly serviceAccount: string;
  /** Versions, each a label subset. */
  readonly versions: readonly ServiceVersion[];
  /** Whether pods get a sidecar. */
  readonly injectSidecar: boolean;
}

/** What the workload tells its MeshService before the service settles its own fields. */
export interface WorkloadDefaults {
  /** Service name. */
  readonly name?: string;
  /** Ports. */
  readonly ports?: ServicePort[];
  /** Service account. */
  readonly serviceAccount?: string;
  /** Replicas per version. */
  readonly replicas?: number;
}

/** Options of a workload created from an image. */
export interface ImageWorkloadOptions {
  /**
   * Environment of the container.
   * @default none
   */
  readonly env?: Record<string, string>;
  /**
   * Environment variables read from the pod's own labels (Kubernetes Downward API), so one
   * image learns which version it runs as, like `{ VERSION: 'version' }`.
   * @default none
   */
  readonly envFromLabels?: Record<string, string>;
  /**
   * Replicas of each version's Deployment.
   * @default 1
   */
  readonly replicas?: number;
}

/** Options of an adopted cdk8s-plus workload. */
export interface AdoptedWorkloadOptions {
  /**
   * Deployments running the service's pods (one per version, or one for all); each gets the
   * sidecar annotation, and the first one's service account becomes the service's identity.
   * @default none
   */
  readonly deployments?: kplus.Deployment[];
  /**
   * The Kubernetes Service; its name and ports become the MeshService's.
   * @default the MeshService's own name and ports
   */
  readonly service?: kplus.Service;
}

/** The Kubernetes workload behind a MeshService: none, one it creates from an image, or cdk8s-plus objects it adopts. */
export abstract class Workload {
  /**
   * Creates a ServiceAccount, a Service and a Deployment per version (or one Deployment when the
   * service has no versions), all named after the service.
   */
  static image(image: string, options: ImageWorkloadOptions = {}): Workload {
    return new ImageWorkload(image, options);
  }

  /** Adopts Deployments and a Service built with cdk8s-plus: the mesh takes their names, ports and identity. */
  static adopt(options: AdoptedWorkloadOptions): Workload {
    return new AdoptedWorkload(options);
  }

  /** Fields the workload decides unless the MeshService's props do. */
  abstract defaults(): WorkloadDefaults;

  /** Creates or amends the Kubernetes objects under `scope` once the service is settled. */
  abstract bind(scope: Construct, binding: WorkloadBinding): void;
}

class ImageWorkload extends Workload {
  constructor(
    private readonly image: string,
    private readonly options: ImageWorkloadOptions,
  ) {
    super();
  }

  defaults(): WorkloadDefaults {
    return { replicas: this.options.replicas ?? 1 };
  }

  bind(scope: Construct, b: WorkloadBinding): void {
    const metadata = (name: string, labels: Record<string, string> = b.selector) => ({ name, labels, ...(b.namespace !== undefined ? { namespace: b.namespace } : {}) });
    new ApiObject(scope, 'ServiceAccount', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(b.serviceAccount) });
    new ApiObject(scope, 'Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(b.name),
      spec: {
        selector: b.selector,
        ports: b.ports.map((p) => ({ name: portName(p), port: p.port, targetPort: p.targetPort ?? p.port, protocol: 'TCP', appProtocol: p.protocol ?? 'http' })),
      },
    });
    const namespace = b.namespace ?? Chart.of(scope).namespace ?? DEFAULT_NAMESPACE;
    const versions: (ServiceVersion | undefined)[] = b.versions.length ? [...b.versions] : [undefined];
    for (const version of versions) {
      const labels = { ...b.selector, ...version?.labels };
      const env = [
        ...Object.entries(this.options.env ?? {}).map(([name, value]) => ({ name, value })),
        ...Object.entries(this.options.envFromLabels ?? {}).map(([name, label]) => ({ name, valueFrom: podFieldRef(`metadata.labels['${label}']`) })),
      ];
      const template = {
        metadata: { labels, annotations: { [SIDECAR_INJECT_ANNOTATION]: String(b.injectSidecar) } },
        spec: {
          serviceAccountName: b.serviceAccount,
          containers: [
            {
              name: b.name,
              image: this.image,
              ports: b.ports.map((p) => ({ name: portName(p), containerPort: p.targetPort ?? p.port })),
              ...(env.length ? { env } : {}),
            },
          ],
        },
      };
      new ApiObject(scope, version ? `Deployment-${version.name}` : 'Deployment', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: metadata(version ? `${b.name}-${version.name}` : b.name, labels),
        spec: {
          replicas: this.options.replicas ?? 1,
          selector: { matchLabels: labels },
          // Lazy: the SidecarInjection (usually made by MeshControlPlane) may be added to the app after this service.
          template: Lazy.any({ produce: () => SidecarInjection.of(scope)?.inject(template, namespace) ?? template }),
        },
      });
    }
  }
}

class AdoptedWorkload extends Workload {
  constructor(private readonly options: AdoptedWorkloadOptions) {
    super();
  }

  defaults(): WorkloadDefaults {
    const { service, deployments = [] } = this.options;
    const serviceAccount = deployments[0]?.serviceAccount?.name;
    return {
      ...(service ? { name: service.name, ports: service.ports.map((p) => ({ port: p.port, ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}), ...(p.name !== undefined ? { name: p.name } : {}) })) } : {}),
      ...(serviceAccount !== undefined ? { serviceAccount } : {}),
    };
  }

  bind(_scope: Construct, b: WorkloadBinding): void {
    for (const deployment of this.options.deployments ?? []) {
      deployment.podMetadata.addAnnotation(SIDECAR_INJECT_ANNOTATION, String(b.injectSidecar));
    }
  }
}

/** Istio's convention: the protocol first, so tools that only see the Kubernetes Service still know it. */
function portName(port: ServicePort): string {
  return port.name ?? `${port.protocol ?? 'http'}-${port.port}`;
}
