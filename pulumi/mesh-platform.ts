import * as pulumi from '@pulumi/pulumi';
import type { App, Chart } from 'cdk8s';
import { MeshControlPlane } from '../constructs';
import { CA_ROOT_CONFIGMAP, CA_ROOT_KEY } from '../lib/injection/ca-root';
import type { Environment } from '../stacks/environments';
import { applyRank, orderedObjects, type KubeObject } from '../stacks/gitops-output';
import { buildPlatform } from '../stacks/platform';
import { resourceClassOf } from './kubernetes-resource';

/** What the platform is built from: an environment's settings, or a cdk8s app or chart. */
export type MeshPlatformSource =
  /** The platform of `meshform synth --env <name>`, shaped by these settings (`environmentNamed`, `environmentFromConfig`). */
  | { readonly environment: Environment; readonly chart?: undefined }
  /** Any app or chart built with the constructs (`MeshControlPlane`, `MeshService`, ...), e.g. `buildPlatform(env)` with changes of your own. */
  | { readonly chart: App | Chart; readonly environment?: undefined };

export type MeshPlatformArgs = MeshPlatformSource & {
  /**
   * Adds the provider's `pulumi.com/skipAwait` annotation to every object, so `pulumi up` and
   * `pulumi destroy` do not wait for Deployments to roll out, Jobs to complete or Services to get
   * endpoints. For clusters that cannot run the workloads yet (and for API servers without
   * controllers, as in this repository's tests); leave it off to have `pulumi up` fail on a rollout
   * that does not become ready.
   * @default false
   */
  readonly skipAwait?: boolean;
};

/** Where the mesh root CA lives: created at runtime (bootstrap Job) or by you, never by the stack. */
export interface CaRootLocation {
  /** `<namespace>/<name>` of the Secret holding the root CA (kubernetes.io/tls). */
  readonly secret: string;
  /** The ConfigMap the controller publishes the trust bundle in, in every namespace with injected pods. */
  readonly configMap: string;
  /** Its key holding the PEM bundle. */
  readonly key: string;
}

/** Annotation of the Kubernetes provider that skips its readiness (and deletion) await. */
export const SKIP_AWAIT_ANNOTATION = 'pulumi.com/skipAwait';

/**
 * The Meshform platform as one Pulumi component: every object of the cdk8s app (CRDs, control
 * plane, telemetry add-ons, mesh resources) is registered as a Pulumi Kubernetes resource of its
 * own kind, a child of this component (it inherits the component's provider). Objects are
 * registered rank by rank in the order `kubectl apply -f dist/<env>` uses (namespaces, CRDs, RBAC,
 * config, workloads, the Mesh, mesh resources, webhook configurations): each object depends on
 * every object of the rank before its own, so no custom resource meets a missing CRD and no object
 * a missing namespace. Child names are `<component name>:<namespace>/<name>` (`<component
 * name>:<name>` when cluster-scoped), stable, so an unchanged platform is a no-op update.
 */
export class MeshPlatform extends pulumi.ComponentResource {
  /** Every registered object and its resource, in registration order. */
  readonly resources: readonly { readonly object: KubeObject; readonly resource: pulumi.CustomResource; readonly dependsOn: readonly pulumi.CustomResource[] }[];
  /** How many objects the platform registered. */
  readonly objectCount: number;
  /** The namespaces the platform creates. */
  readonly namespaces: readonly string[];
  /** The controller's xDS address (`host:port`) sidecars connect to; undefined without a `MeshControlPlane`. */
  readonly xdsEndpoint: string | undefined;
  /** Where the mesh root CA is; undefined without a `MeshControlPlane`. */
  readonly caRoot: CaRootLocation | undefined;

  constructor(name: string, args: MeshPlatformArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('meshform:index:MeshPlatform', name, {}, opts);
    const app = args.chart ?? buildPlatform(args.environment);
    const objects = orderedObjects(app).map((o) => (args.skipAwait ? withAnnotation(o, SKIP_AWAIT_ANNOTATION, 'true') : o));

    const registered: MeshPlatform['resources'][number][] = [];
    let previousRank: pulumi.CustomResource[] = [];
    let currentRank: pulumi.CustomResource[] = [];
    objects.forEach((object, i) => {
      if (i > 0 && applyRank(object) !== applyRank(objects[i - 1]!)) [previousRank, currentRank] = [currentRank, []];
      const { namespace, name: objectName } = object.metadata;
      const Resource = resourceClassOf(object);
      const resource = new Resource(`${name}:${namespace ? `${namespace}/` : ''}${objectName}`, object, { parent: this, dependsOn: previousRank });
      currentRank.push(resource);
      registered.push({ object, resource, dependsOn: previousRank });
    });

    const controlPlane = app.node.findAll().find((c): c is MeshControlPlane => c instanceof MeshControlPlane);
    this.resources = registered;
    this.objectCount = objects.length;
    this.namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
    this.xdsEndpoint = controlPlane?.injection.controllerAddress;
    this.caRoot = controlPlane && { secret: `${controlPlane.namespace}/${controlPlane.caSecretName}`, configMap: CA_ROOT_CONFIGMAP, key: CA_ROOT_KEY };
    this.registerOutputs({ objectCount: this.objectCount, namespaces: this.namespaces, xdsEndpoint: this.xdsEndpoint, caRoot: this.caRoot });
  }
}

function withAnnotation(o: KubeObject, key: string, value: string): KubeObject {
  return { ...o, metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, [key]: value } } };
}
