import * as fs from 'node:fs';
import * as path from 'node:path';
import type { App, Chart } from 'cdk8s';
import { stringify } from 'yaml';
import { API_GROUP } from '../lib/api/common';

/** One object as cdk8s synthesizes it. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly annotations?: Readonly<Record<string, string>> };
  readonly [field: string]: unknown;
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

/** An object's place in apply order (0 first): objects of one rank need only objects of lower ranks. */
export const applyRank = (o: KubeObject): number => RANK.findIndex((matches) => matches(o));

/** `02-clusterrole--meshform-controller.yaml`: rank, kind, namespace (empty when cluster-scoped), name. */
export function manifestFileName(o: KubeObject): string {
  const part = (s: string) => s.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
  return `${String(applyRank(o)).padStart(2, '0')}-${part(o.kind)}-${part(o.metadata.namespace ?? '')}-${part(o.metadata.name)}.yaml`;
}

/** Every object of an app (or of one chart), in apply order (stable within a rank). */
export function orderedObjects(source: App | Chart): KubeObject[] {
  const charts = 'charts' in source ? source.charts : [source];
  const objects = charts.flatMap((c) => c.toJson() as KubeObject[]);
  return objects.map((o, i) => ({ o, i })).sort((a, b) => applyRank(a.o) - applyRank(b.o) || a.i - b.i).map(({ o }) => o);
}

/**
 * Writes one file per object and a kustomization.yaml listing them in order. Files are replaced
 * one by one (write, then rename), unchanged files are left alone and files of removed objects are
 * deleted last, so a controller watching the folder never sees it empty or a file half-written,
 * and unchanged code re-synthesizes to a no-op diff.
 */
export function writeGitOpsFolder(app: App, outdir: string): string[] {
  const objects = orderedObjects(app);
  const names = objects.map(manifestFileName);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new Error(`two objects would both be written to ${duplicate}; give them different names`);
  fs.mkdirSync(outdir, { recursive: true });
  const files = new Map(objects.map((o, i) => [names[i]!, stringify(o, { lineWidth: 0 })]));
  files.set('kustomization.yaml', stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: names }, { lineWidth: 0 }));
  for (const [name, text] of files) replaceFile(path.join(outdir, name), text);
  for (const stale of fs.readdirSync(outdir)) {
    if (!files.has(stale)) fs.rmSync(path.join(outdir, stale), { recursive: true, force: true });
  }
  return names;
}

function replaceFile(file: string, text: string): void {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return;
  // Manifest readers take only .yaml/.yml/.json, so the temp file is invisible until the rename.
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}
