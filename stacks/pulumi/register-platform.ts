import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import type { Environment } from '../environments';
import { manifestFileName, orderedObjects } from '../gitops-output';
import { buildPlatform } from '../platform';

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec?: { readonly names?: { readonly kind?: string } };
  readonly [field: string]: unknown;
}

/**
 * Registers every object of the platform as a Pulumi Kubernetes resource: the same cdk8s
 * constructs as `meshform synth`, so the two paths cannot drift. Names are the GitOps file names
 * without the extension (stable, so a second `pulumi up` changes nothing); each object depends on
 * its namespace and, for a custom resource, on its CRD.
 */
export function registerPlatform(env: Environment, opts: pulumi.CustomResourceOptions = {}): RegisteredObject[] {
  const namespaces = new Map<string, pulumi.CustomResource>();
  const crds = new Map<string, pulumi.CustomResource>();
  return orderedObjects(buildPlatform(env)).map((object) => {
    const o = object as KubeObject;
    const name = manifestFileName(o).replace(/\.yaml$/, '');
    const dependsOn = [o.metadata.namespace ? namespaces.get(o.metadata.namespace) : undefined, crds.get(`${o.apiVersion.split('/')[0]}/${o.kind}`)].filter(
      (r): r is pulumi.CustomResource => r !== undefined,
    );
    const resource = new k8s.apiextensions.CustomResource(name, { ...o, apiVersion: o.apiVersion, kind: o.kind }, { ...opts, dependsOn });
    if (o.kind === 'Namespace') namespaces.set(o.metadata.name, resource);
    if (o.kind === 'CustomResourceDefinition') crds.set(`${(o.spec as { group?: string }).group}/${o.spec?.names?.kind}`, resource);
    return { object: o, resource, dependsOn };
  });
}

/** One registered object, its Pulumi resource and what that resource waits for. */
export interface RegisteredObject {
  readonly object: KubeObject;
  readonly resource: pulumi.CustomResource;
  readonly dependsOn: readonly pulumi.CustomResource[];
}
