import * as fs from 'node:fs';
import * as path from 'node:path';
import type { App } from 'cdk8s';
import { stringify } from 'yaml';
import { API_GROUP } from '../lib/api/common';

interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
}

/**
 * Apply order: what others need comes first, so `kubectl apply -f dist/<env>` works in one pass and
 * GitOps tools that apply in file order never meet a custom resource before its CRD.
 */
const RANK: readonly ((o: KubeObject) => boolean)[] = [
  (o) => o.kind === 'Namespace',
  (o) => o.kind === 'CustomResourceDefinition',
  (o) => ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind),
  (o) => ['ConfigMap', 'Secret'].includes(o.kind),
  (o) => !o.apiVersion.startsWith(`${API_GROUP}/`) && !o.kind.endsWith('WebhookConfiguration'),
  (o) => o.apiVersion.startsWith(`${API_GROUP}/`) && o.kind === 'Mesh',
  (o) => o.apiVersion.startsWith(`${API_GROUP}/`),
  () => true,
];

const rankOf = (o: KubeObject) => RANK.findIndex((matches) => matches(o));

/** `02-clusterrole--meshform-controller.yaml`: rank, kind, namespace (empty when cluster-scoped), name. */
export function manifestFileName(o: KubeObject): string {
  const part = (s: string) => s.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
  return `${String(rankOf(o)).padStart(2, '0')}-${part(o.kind)}-${part(o.metadata.namespace ?? '')}-${part(o.metadata.name)}.yaml`;
}

/** Every object of an app, in apply order (stable within a rank). */
export function orderedObjects(app: App): KubeObject[] {
  const objects = app.charts.flatMap((c) => c.toJson() as KubeObject[]);
  return objects.map((o, i) => ({ o, i })).sort((a, b) => rankOf(a.o) - rankOf(b.o) || a.i - b.i).map(({ o }) => o);
}

/**
 * Writes one file per object and a kustomization.yaml listing them in order. The folder is
 * replaced whole, so a resource removed from code disappears from the GitOps repo, and unchanged
 * code re-synthesizes to a no-op diff.
 */
export function writeGitOpsFolder(app: App, outdir: string): string[] {
  const objects = orderedObjects(app);
  const names = objects.map(manifestFileName);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new Error(`two objects would both be written to ${duplicate}; give them different names`);
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.mkdirSync(outdir, { recursive: true });
  objects.forEach((o, i) => fs.writeFileSync(path.join(outdir, names[i]!), stringify(o, { lineWidth: 0 })));
  const kustomization = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: names };
  fs.writeFileSync(path.join(outdir, 'kustomization.yaml'), stringify(kustomization, { lineWidth: 0 }));
  return names;
}
