import * as http from 'node:http';
import * as net from 'node:net';
import { CoreV1Api, KubeConfig, PortForward, type V1Pod } from '@kubernetes/client-node';
import { CONTROL_PLANE_NAMES, CONTROL_PLANE_PORTS } from '../lib/naming';
import type { ProxyConfigDump } from '../controller/admin-server';
import type { TypeDump } from '../controller/xds/proxy-stream';
import { BOOTSTRAP_ANNOTATION, expandEnvReferences } from '../lib/injection';
import { DEBUGGER_CLUSTER_ROLE } from '../lib/rbac';

/** Options of `meshform debug config <pod>`, already parsed. */
export interface DebugConfigOptions {
  /** The pod whose proxy to show. */
  readonly pod: string;
  /** The pod's namespace. @default the kubeconfig context's, else `default` */
  readonly namespace?: string;
  /** Where the controller runs. @default 'meshform-system' */
  readonly controllerNamespace?: string;
  /** A kubeconfig file. @default KUBECONFIG, else ~/.kube/config, else in-cluster */
  readonly kubeconfig?: string;
  /** The controller's admin port as `host:port` (e.g. after `kubectl port-forward`). @default a port-forward through the API server to each controller pod in turn */
  readonly adminAddress?: string;
  /** `summary`: listeners, routes, clusters, versions and ACK/NACK per type; `json`: the raw dump. @default 'summary' */
  readonly output?: 'summary' | 'json';
}

/** Stable codes of `meshform debug` failures. */
export const DebugErrorCode = {
  BadAddress: 'DEBUG_BAD_ADDRESS',
  PodNotFound: 'DEBUG_POD_NOT_FOUND',
  PodUnreadable: 'DEBUG_POD_UNREADABLE',
  PodNotMeshed: 'DEBUG_POD_NOT_MESHED',
  PodHasNoIp: 'DEBUG_POD_NO_IP',
  NoBearerToken: 'DEBUG_NO_BEARER_TOKEN',
  NoController: 'DEBUG_NO_CONTROLLER',
  AdminUnreachable: 'DEBUG_ADMIN_UNREACHABLE',
  AdminRefused: 'DEBUG_ADMIN_REFUSED',
  ProxyNotConnected: 'DEBUG_PROXY_NOT_CONNECTED',
} as const;

export type DebugErrorCode = (typeof DebugErrorCode)[keyof typeof DebugErrorCode];

export class DebugError extends Error {
  constructor(
    readonly code: DebugErrorCode,
    message: string,
  ) {
    super(`[${code}] ${message}`);
    this.name = 'DebugError';
  }
}

interface AdminResponse {
  readonly status: number;
  readonly body: string;
}

const TYPE_ORDER = ['LDS', 'RDS', 'VHDS', 'CDS', 'EDS', 'SDS'];
const SECTIONS: Record<string, string> = { LDS: 'LISTENERS', RDS: 'ROUTES', VHDS: 'VIRTUAL HOSTS', CDS: 'CLUSTERS', EDS: 'ENDPOINTS', SDS: 'SECRETS' };

/** The proxy id a pod's sidecar registers with: its injected bootstrap's node id, with the pod's IP. */
export function proxyIdOfPod(pod: V1Pod): string {
  const where = `pod ${pod.metadata?.namespace}/${pod.metadata?.name}`;
  const bootstrap = pod.metadata?.annotations?.[BOOTSTRAP_ANNOTATION];
  if (!bootstrap) throw new DebugError(DebugErrorCode.PodNotMeshed, `${where} has no ${BOOTSTRAP_ANNOTATION} annotation, so no Meshform sidecar; label its namespace meshform.dev/injection=enabled or annotate it meshform.dev/inject: "true" and recreate it`);
  const ip = pod.status?.podIP;
  if (!ip) throw new DebugError(DebugErrorCode.PodHasNoIp, `${where} has no IP yet, so its proxy has not connected; wait until it is scheduled and running`);
  const id = (JSON.parse(bootstrap) as { node?: { id?: string } }).node?.id ?? '';
  return expandEnvReferences(id, { POD_IP: ip, POD_NAME: pod.metadata?.name, POD_NAMESPACE: pod.metadata?.namespace });
}

/** `host:port` split and checked (brackets around an IPv6 host). */
export function parseAdminAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) throw new DebugError(DebugErrorCode.BadAddress, `--admin-address is ${JSON.stringify(address)}; it must be host:port with a port from 1 to 65535, like 127.0.0.1:15014`);
  return { host: match[1] ?? match[2]!, port };
}

function status(dump: TypeDump): string {
  if (dump.nack && dump.nack.version === dump.sentVersion) return 'NACK';
  if (dump.sentVersion === undefined) return '-';
  return dump.ackedVersion === dump.sentVersion ? 'ACK' : 'PENDING';
}

function resourceName(resource: Record<string, unknown>): string {
  return String(resource['name'] ?? resource['cluster_name'] ?? '?');
}

function table(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  '));
}

/**
 * What `meshform debug config` prints for each connection of the proxy: who it is and whether its
 * identity was verified, per xDS type the versions sent and ACKed and its state (ACK, NACK,
 * PENDING), the last NACK's message, the names of what it holds, and the translation issues.
 */
export function formatConfigSummary(dumps: readonly ProxyConfigDump[], context: { pod?: string; controller?: string } = {}): string {
  return dumps
    .map((dump) => {
      const trust = dump.trust.state === 'verified' && dump.trust.identity ? `verified as ${dump.trust.identity.namespace}/${dump.trust.identity.serviceAccount}` : dump.trust.reason ? `${dump.trust.state}: ${dump.trust.reason}` : dump.trust.state;
      const lines = [
        `PROXY       ${dump.node.id}`,
        ...(context.pod ? [`POD         ${context.pod}`] : []),
        `CONNECTION  ${dump.connectionId}${context.controller ? ` on ${context.controller}` : ''}`,
        `IDENTITY    ${trust}`,
        '',
      ];
      const types = Object.keys(dump.xds).sort((a, b) => (TYPE_ORDER.indexOf(a) + 1 || 99) - (TYPE_ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b));
      lines.push(...table([['TYPE', 'SENT', 'ACKED', 'STATE', 'RESOURCES'], ...types.map((t) => { const d = dump.xds[t]!; return [t, d.sentVersion ?? '-', d.ackedVersion ?? '-', status(d), String(d.resources.length)]; })]));
      for (const t of types) {
        const nack = dump.xds[t]!.nack;
        if (nack) lines.push(`LAST NACK   ${t} version ${nack.version} at ${nack.at}: ${nack.message}`);
      }
      for (const t of types) {
        const names = dump.xds[t]!.resources.map((r) => resourceName(r as Record<string, unknown>)).sort();
        if (names.length === 0) continue;
        lines.push('', SECTIONS[t] ?? t, ...names.map((n) => `  ${n}`));
      }
      if (dump.issues.length > 0) lines.push('', 'ISSUES', ...dump.issues.map((i) => `  [${i.code}] ${i.where}${i.field ? ` ${i.field}` : ''}: ${i.message} (${i.severity})`));
      return lines.join('\n');
    })
    .join('\n\n');
}

function adminGet(host: string, port: number, pathAndQuery: string, authorization: string): Promise<AdminResponse> {
  return new Promise((resolve, reject) => {
    // A connection of its own, closed after the answer: nothing (a port-forward above all) stays open for a pool.
    const req = http.get({ host, port, path: pathAndQuery, agent: false, headers: { authorization, accept: 'application/json' }, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', reject);
  });
}

/** A local port on 127.0.0.1 that the API server forwards to `port` of a pod (kubectl port-forward's path), until closed. */
export async function openPortForward(kubeConfig: KubeConfig, namespace: string, pod: string, port: number): Promise<{ readonly port: number; failure(): unknown; close(): Promise<void> }> {
  const forward = new PortForward(kubeConfig);
  let failure: unknown;
  const sockets = new Set<net.Socket>();
  const streams: Promise<unknown>[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const stream = forward.portForward(namespace, pod, [port], socket, null, socket);
    streams.push(stream);
    stream.catch((err: unknown) => {
      failure = err;
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    failure: () => failure,
    async close() {
      server.close();
      for (const socket of sockets) socket.destroy();
      // Each forward's WebSocket (or, with retries, a getter of the current one) is closed, so the process can exit.
      for (const stream of await Promise.allSettled(streams)) {
        if (stream.status !== 'fulfilled') continue;
        const ws = typeof stream.value === 'function' ? (stream.value as () => { close(): void } | null)() : (stream.value as { close(): void });
        ws?.close();
      }
    },
  };
}

/** The error of a port-forward that failed: what it needs, and the way around it. */
export function portForwardError(namespace: string, pod: string, port: number, err: unknown): DebugError {
  return new DebugError(DebugErrorCode.AdminUnreachable, `cannot port-forward to ${namespace}/${pod}:${port} (${describeError(err)}); you need "get" and "create" on pods/portforward in ${namespace} (Role ${CONTROL_PLANE_NAMES.debuggerPortForward}), or forward yourself and pass --admin-address`);
}

/** Runs `use` against a local port that the API server forwards to `port` of the pod. */
async function throughPortForward<T>(kubeConfig: KubeConfig, namespace: string, pod: string, port: number, use: (localPort: number) => Promise<T>): Promise<T> {
  const forward = await openPortForward(kubeConfig, namespace, pod, port);
  try {
    return await use(forward.port);
  } catch (err) {
    throw portForwardError(namespace, pod, port, forward.failure() ?? err);
  } finally {
    await forward.close();
  }
}

/** A readable reason from an Error, a WebSocket error event (what a failed port-forward rejects with) or anything else. */
function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  const event = err as { message?: unknown; error?: unknown } | undefined;
  if (typeof event?.message === 'string' && event.message) return event.message;
  if (event?.error instanceof Error) return event.error.message;
  return String(err);
}

/** The message of a Kubernetes Status body, when that is what the API server sent. */
function apiMessage(body: unknown): string | undefined {
  try {
    const status = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: unknown } | undefined;
    return typeof status?.message === 'string' ? status.message : undefined;
  } catch {
    return undefined;
  }
}

function bearerOf(headers: Record<string, unknown> | undefined): string | undefined {
  const value = headers?.['Authorization'] ?? headers?.['authorization'];
  return typeof value === 'string' && /^Bearer\s+\S/i.test(value) ? value : undefined;
}

/** The dump of `proxyId`, or the controller's refusal as a DebugError. */
function interpret(response: AdminResponse, proxyId: string, from: string): ProxyConfigDump[] {
  const error = (): string => {
    try {
      return (JSON.parse(response.body) as { error?: string }).error ?? response.body;
    } catch {
      return response.body;
    }
  };
  switch (response.status) {
    case 200:
      return JSON.parse(response.body) as ProxyConfigDump[];
    case 401:
      throw new DebugError(DebugErrorCode.AdminRefused, `${from} did not accept your kubeconfig's token: ${error()}`);
    case 403:
      throw new DebugError(DebugErrorCode.AdminRefused, `${from} refused: ${error()}`);
    case 404:
      throw new DebugError(DebugErrorCode.ProxyNotConnected, `no proxy ${proxyId} is connected to ${from}; is the pod's sidecar running and ready?`);
    default:
      throw new DebugError(DebugErrorCode.AdminRefused, `${from} answered ${response.status}: ${error()}`);
  }
}

/** The kubeconfig of `file`, else KUBECONFIG, ~/.kube/config or in-cluster. */
export function loadKubeConfig(file: string | undefined): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (file) kubeConfig.loadFromFile(file);
  else kubeConfig.loadFromDefault();
  return kubeConfig;
}

/** `Bearer <token>` of the kubeconfig's user, which the controller reviews with the API server. */
export async function bearerAuthorization(kubeConfig: KubeConfig): Promise<string> {
  const httpOptions: { headers?: Record<string, unknown> } = { headers: {} };
  await kubeConfig.applyToHTTPSOptions(httpOptions);
  const authorization = bearerOf(httpOptions.headers);
  if (!authorization) {
    throw new DebugError(DebugErrorCode.NoBearerToken, `the kubeconfig user "${kubeConfig.getCurrentUser()?.name ?? '?'}" has no bearer token (a client certificate cannot be passed on); use a user with a token, e.g. one from \`kubectl create token <service account>\` bound to ClusterRole ${DEBUGGER_CLUSTER_ROLE}`);
  }
  return authorization;
}

/** The names of the running controller pods in `controllerNamespace`; at least one, else a DebugError. */
export async function runningControllerPods(core: CoreV1Api, controllerNamespace: string): Promise<string[]> {
  const pods = await core.listNamespacedPod({ namespace: controllerNamespace, labelSelector: `app.kubernetes.io/name=${CONTROL_PLANE_NAMES.controller}` }).catch((err: unknown) => {
    const reason = apiMessage((err as { body?: unknown }).body) ?? describeError(err);
    throw new DebugError(DebugErrorCode.AdminUnreachable, `cannot list the controller pods in ${controllerNamespace} (${reason}); you need "list pods" there (Role ${CONTROL_PLANE_NAMES.debuggerPortForward}), or forward yourself and pass --admin-address`);
  });
  const running = pods.items.filter((p) => p.status?.phase === 'Running' && p.metadata?.name).map((p) => p.metadata!.name!);
  if (running.length === 0) throw new DebugError(DebugErrorCode.NoController, `no running ${CONTROL_PLANE_NAMES.controller} pod in namespace ${controllerNamespace}; pass --controller-namespace if the control plane lives elsewhere`);
  return running;
}

/**
 * `meshform debug config <pod>`: like `istioctl proxy-config`, shows what the controller sent the
 * pod's proxy. Finds the proxy id from the pod's injected bootstrap, reaches the controller's admin
 * port (a port-forward through the API server to each controller pod in turn, as a proxy is
 * connected to one replica, or `adminAddress`), and sends the kubeconfig user's bearer token, which
 * the controller reviews with the API server (RBAC: `debug` on `proxies.meshform.dev`). Resolves to
 * what to print.
 */
export async function debugConfig(options: DebugConfigOptions): Promise<string> {
  const address = options.adminAddress === undefined ? undefined : parseAdminAddress(options.adminAddress);
  const kubeConfig = loadKubeConfig(options.kubeconfig);
  const namespace = options.namespace ?? kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace ?? 'default';
  const controllerNamespace = options.controllerNamespace ?? 'meshform-system';
  const core = kubeConfig.makeApiClient(CoreV1Api);

  let pod: V1Pod;
  try {
    pod = await core.readNamespacedPod({ namespace, name: options.pod });
  } catch (err) {
    const { code, body } = err as { code?: number; body?: unknown };
    if (code === 404) throw new DebugError(DebugErrorCode.PodNotFound, `no pod ${options.pod} in namespace ${namespace}; pass --namespace if it lives elsewhere`);
    throw new DebugError(DebugErrorCode.PodUnreadable, `cannot read pod ${namespace}/${options.pod} (${apiMessage(body) ?? describeError(err)}); its proxy id comes from the pod, so you need "get pods" in ${namespace}`);
  }
  const proxyId = proxyIdOfPod(pod);

  const authorization = await bearerAuthorization(kubeConfig);
  const query = `/debug/config_dump?proxy=${encodeURIComponent(proxyId)}`;
  let dumps: ProxyConfigDump[];
  let controller: string;
  if (address) {
    controller = `the controller at ${options.adminAddress}`;
    const response = await adminGet(address.host, address.port, query, authorization).catch((err: unknown) => {
      throw new DebugError(DebugErrorCode.AdminUnreachable, `cannot reach ${controller}: ${describeError(err)}`);
    });
    dumps = interpret(response, proxyId, controller);
  } else {
    const running = await runningControllerPods(core, controllerNamespace);
    let found: { dumps: ProxyConfigDump[]; controller: string } | undefined;
    for (const name of running) {
      const response = await throughPortForward(kubeConfig, controllerNamespace, name, CONTROL_PLANE_PORTS.admin, (port) => adminGet('127.0.0.1', port, query, authorization));
      try {
        found = { dumps: interpret(response, proxyId, `controller ${controllerNamespace}/${name}`), controller: `${controllerNamespace}/${name}` };
        break;
      } catch (err) {
        // A proxy holds one stream to one replica: ask the next.
        if (!(err instanceof DebugError && err.code === DebugErrorCode.ProxyNotConnected)) throw err;
      }
    }
    if (!found) throw new DebugError(DebugErrorCode.ProxyNotConnected, `no proxy ${proxyId} is connected to any of the ${running.length} controller pods in ${controllerNamespace}; is the pod's sidecar running and ready?`);
    ({ dumps, controller } = found);
  }
  return options.output === 'json' ? JSON.stringify(dumps, null, 2) : formatConfigSummary(dumps, { pod: `${namespace}/${options.pod}`, controller });
}

/** `meshform debug config`: prints what `debugConfig` found; failures throw a DebugError (exit 1). */
export async function runDebugConfig(options: DebugConfigOptions): Promise<number> {
  process.stdout.write(`${await debugConfig(options)}\n`);
  return 0;
}
