import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { App, Chart, Testing } from 'cdk8s';
import { API_GROUP, API_GROUP_VERSION, KIND_NAMES, KINDS } from '../../../lib/api';
import { customResourceDefinition } from '../../../lib/crd';
import { MeshControlPlane, type MeshControlPlaneProps } from '../../../constructs';
import { REPO_ROOT, requestJson, startWatchedProcess, type ApiResponse, type ApiServer, type KubernetesObject, type WatchedProcess } from '../../../scripts/k8s/api-server';

/** The CLI as users run it (tsx from a checkout). */
export const MESHFORM_BIN = path.join(REPO_ROOT, 'bin/meshform.cjs');
export const CONTROL_PLANE_NAMESPACE = 'meshform-system';

/** Applies every mesh CRD and waits until the server serves every kind (Established and in discovery). */
export async function installCrds(api: ApiServer): Promise<void> {
  for (const kind of KIND_NAMES) await api.apply(customResourceDefinition(kind) as unknown as KubernetesObject);
  for (const kind of KIND_NAMES) {
    await api.waitFor(`CRD ${kind} Established`, async () => {
      const crd = await api.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', `${KINDS[kind].plural}.${API_GROUP}`);
      return ((crd?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
    });
  }
  await api.waitFor(`discovery of ${API_GROUP_VERSION}`, async () => {
    const res = await api.request('GET', `/apis/${API_GROUP_VERSION}`);
    if (res.status !== 200) return undefined;
    const served = new Set((res.body.resources as { name: string }[]).map((r) => r.name));
    return KIND_NAMES.every((k) => served.has(KINDS[k].plural));
  });
}

/** What `MeshControlPlane` synthesizes (the objects `dist/<env>` holds for the control plane). */
export function synthControlPlane(props: MeshControlPlaneProps = {}): KubernetesObject[] {
  const chart = new Chart(new App(), 'control-plane');
  new MeshControlPlane(chart, 'ControlPlane', props);
  return Testing.synth(chart) as KubernetesObject[];
}

const ORDER = ['CustomResourceDefinition', 'Namespace'];

/** Applies objects CRDs first, then Namespaces, then the rest (waiting for the CRDs to be served). */
export async function applyAll(api: ApiServer, objects: readonly KubernetesObject[]): Promise<void> {
  const rank = (o: KubernetesObject) => (ORDER.includes(o.kind) ? ORDER.indexOf(o.kind) : ORDER.length);
  const sorted = [...objects].sort((a, b) => rank(a) - rank(b));
  if (sorted.some((o) => o.kind === 'CustomResourceDefinition')) await installCrds(api);
  for (const object of sorted) if (object.kind !== 'CustomResourceDefinition') await api.apply(object);
}

/** A ServiceAccount token from the TokenRequest API (what a projected volume gives a pod). */
export async function serviceAccountToken(api: ApiServer, namespace: string, name: string, audiences?: string[]): Promise<string> {
  const res = await api.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600, ...(audiences ? { audiences } : {}) },
  });
  if (res.status !== 201) throw new Error(`TokenRequest for ${namespace}/${name}: ${res.status} ${res.text}`);
  return res.body.status.token as string;
}

/** A kubeconfig that authenticates with `token` (no client certificate, so no system:masters). */
export async function tokenKubeconfig(api: ApiServer, token: string, file: string): Promise<string> {
  const target = path.join(api.dir, file);
  await writeFile(
    target,
    `apiVersion: v1
kind: Config
clusters:
- name: meshform-test
  cluster:
    server: ${api.url}
    certificate-authority: ${path.join(api.dir, 'ca.crt')}
users:
- name: token
  user:
    token: ${token}
contexts:
- name: meshform-test
  context: { cluster: meshform-test, user: token, namespace: default }
current-context: meshform-test
`,
  );
  return target;
}

/** One HTTPS request to the API server with a bearer token; never throws on an HTTP status. */
export function requestWithToken(api: ApiServer, token: string, method: string, urlPath: string, body?: unknown): Promise<ApiResponse> {
  return requestJson(api.url, { ca: api.caPem, headers: { authorization: `Bearer ${token}` } }, method, urlPath, body);
}

/** Who the server says the token's bearer is (SelfSubjectReview). */
export async function whoAmI(api: ApiServer, token: string): Promise<{ username: string; groups: string[] }> {
  const res = await requestWithToken(api, token, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  if (res.status !== 201) throw new Error(`SelfSubjectReview: ${res.status} ${res.text}`);
  return res.body.status.userInfo;
}

/** Whether the token's bearer may do `verb` on `resource` (SelfSubjectAccessReview). */
export async function canI(api: ApiServer, token: string, attributes: { verb: string; group?: string; resource: string; subresource?: string; namespace?: string; name?: string }): Promise<boolean> {
  const res = await requestWithToken(api, token, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { group: '', ...attributes } },
  });
  if (res.status !== 201) throw new Error(`SelfSubjectAccessReview: ${res.status} ${res.text}`);
  return res.body.status.allowed === true;
}

/** A `meshform …` CLI process (own process group, killed even if the test run dies). */
export function startMeshform(api: ApiServer, args: string[], options: { kubeconfig?: string; logName: string; env?: NodeJS.ProcessEnv }): WatchedProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, MESHFORM_LOG_LEVEL: 'info', ...options.env };
  if (options.kubeconfig) env['KUBECONFIG'] = options.kubeconfig;
  // The controller must not think it runs in a pod.
  delete env['KUBERNETES_SERVICE_HOST'];
  return startWatchedProcess(process.execPath, [MESHFORM_BIN, ...args], { env, cwd: REPO_ROOT, logFile: path.join(api.dir, `${options.logName}.log`) });
}

export interface ControllerProcess {
  readonly process: WatchedProcess;
  readonly xdsPort: number;
  readonly adminPort: number;
  /** With `--metrics-port` among the extra arguments. */
  readonly metricsPort?: number;
  readonly podName: string;
  /** Its JSON log lines (stderr), parsed. */
  logs(): Record<string, unknown>[];
}

/** `meshform controller --kubernetes` on loopback (plaintext xDS unless `tls`, free ports), once it printed its ready line. */
export async function startController(api: ApiServer, options: { kubeconfig: string; podName: string; tls?: boolean; extraArgs?: string[] }): Promise<ControllerProcess> {
  const proc = startMeshform(api, [
    'controller', '--kubernetes', options.tls ? '--xds-tls' : '--no-xds-tls', '--host', '127.0.0.1', '--xds-port', '0', '--admin-port', '0',
    '--namespace', CONTROL_PLANE_NAMESPACE, '--pod-name', options.podName, '--debounce-ms', '20',
    ...(options.extraArgs ?? []),
  ], { kubeconfig: options.kubeconfig, logName: options.podName });
  try {
    const ready = JSON.parse(await proc.line(/"event":"ready"/, 90_000)) as { xdsPort: number; adminPort: number; metricsPort?: number };
    return {
      process: proc,
      xdsPort: ready.xdsPort,
      adminPort: ready.adminPort,
      ...(ready.metricsPort !== undefined ? { metricsPort: ready.metricsPort } : {}),
      podName: options.podName,
      logs: () => jsonLines(proc.output()),
    };
  } catch (err) {
    await proc.stop();
    throw err;
  }
}

export function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** Log lines that mean the API server refused the process something (RBAC) or it could not reach the server. */
export function refusals(text: string): string[] {
  return text.split('\n').filter((l) => /forbidden|\b403\b|Unauthorized|\b401\b/i.test(l));
}
