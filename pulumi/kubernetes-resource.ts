import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import type { KubeObject } from '../stacks/gitops-output';

type ResourceClass = new (name: string, args: KubeObject, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/**
 * The `@pulumi/kubernetes` module of a built-in API group: `apps` → `apps`, the core group (`v1`) →
 * `core`, `rbac.authorization.k8s.io` → `rbac`. Undefined for a group that is not Kubernetes' own
 * (a CRD's group always has a dot and never ends in `.k8s.io` unless Kubernetes publishes it).
 */
function sdkModuleOf(group: string): string | undefined {
  if (group === '') return 'core';
  if (!group.includes('.')) return group;
  return group.endsWith('.k8s.io') ? group.split('.')[0] : undefined;
}

/**
 * The SDK class an object is registered with: the typed class of its kind (`k8s.apps.v1.Deployment`
 * for an apps/v1 Deployment), so the resource carries that kind's schema, aliases and secret
 * outputs; `k8s.apiextensions.CustomResource` for a kind the SDK does not know (a CRD's kinds).
 */
export function resourceClassOf(object: KubeObject): ResourceClass {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  const module = sdkModuleOf(group!);
  const sdk = k8s as unknown as Record<string, Record<string, Record<string, ResourceClass | undefined> | undefined> | undefined>;
  const typed = module === undefined ? undefined : sdk[module]?.[version!]?.[object.kind];
  return typed ?? (k8s.apiextensions.CustomResource as unknown as ResourceClass);
}
