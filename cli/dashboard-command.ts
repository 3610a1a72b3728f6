import * as http from 'node:http';
import { CoreV1Api } from '@kubernetes/client-node';
import { DASHBOARD_PATH } from '../controller/dashboard/dashboard-handler';
import { CONTROL_PLANE_PORTS } from '../lib/naming';
import { readMeshState } from '../runner/mesh-state';
import { untilStopped } from './until-stopped';
import { bearerAuthorization, loadKubeConfig, openPortForward, parseAdminAddress, portForwardError, runningControllerPods } from './debug-command';

/** Options of `meshform dashboard`, as cli/commands/dashboard.ts declares them. */
export interface DashboardOptions {
  /** Local mode: the workspace of `meshform up`. */
  readonly workspace: string;
  /** Kubernetes mode: serve the controller's dashboard locally, through the API server. */
  readonly kubernetes?: boolean;
  readonly kubeconfig?: string;
  readonly controllerNamespace: string;
  /** The controller's admin port as `host:port`. @default a port-forward through the API server to a controller pod */
  readonly adminAddress?: string;
  /** Local port of the Kubernetes mode's server; 0 picks a free one. */
  readonly port: number;
}

/** Where the dashboard proxy sends requests, and what to say when it cannot. */
export interface DashboardUpstream {
  readonly host: string;
  readonly port: number;
  /** Why the last request could not reach it (a refused port-forward), in words and with the fix. */
  failure(err: unknown): Error;
}

function refuse(res: http.ServerResponse, status: number, code: string, error: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error, code }));
}

/**
 * A local HTTP server for the controller's dashboard, as `kubectl proxy` is for the API server: it
 * passes GETs of the dashboard's paths on to the controller's admin port with the user's bearer
 * token, which the controller reviews with the API server. It serves on 127.0.0.1 only, answers only
 * requests naming it as their Host (a web page elsewhere cannot reach it by DNS rebinding), and
 * nothing but the dashboard, so the token opens no other `/debug/` path.
 */
export class DashboardProxy {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  private readonly server = http.createServer((req, res) => this.forward(req, res));
  /** The Host headers it answers: itself by address or by name. */
  private readonly hosts = new Set<string>();

  private constructor(
    private readonly upstream: DashboardUpstream,
    private readonly authorization: string,
  ) {}

  /** Serves on 127.0.0.1:`port` (0 picks a free one). */
  static async start(upstream: DashboardUpstream, authorization: string, port = 0): Promise<DashboardProxy> {
    const proxy = new DashboardProxy(upstream, authorization);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(port, '127.0.0.1', () => resolve());
    });
    for (const name of ['127.0.0.1', 'localhost']) proxy.hosts.add(`${name}:${proxy.port}`);
    return proxy;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** The page's URL. */
  get url(): string {
    return `http://127.0.0.1:${this.port}${DASHBOARD_PATH}`;
  }

  async close(): Promise<void> {
    this.agent.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const { upstream, hosts } = this;
    if (!hosts.has(req.headers.host ?? '')) return refuse(res, 403, 'DASHBOARD_PROXY_FOREIGN_HOST', `this server answers requests for ${[...hosts].join(' or ')} only, not ${req.headers.host ?? '(no Host)'}`);
    const path = req.url ?? '/';
    if (path === '/') {
      res.writeHead(302, { location: DASHBOARD_PATH });
      return void res.end();
    }
    if (!path.startsWith(DASHBOARD_PATH.slice(0, -1))) return refuse(res, 404, 'DASHBOARD_PROXY_NOT_DASHBOARD', `this server passes on ${DASHBOARD_PATH} only`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'DASHBOARD_READ_ONLY', `the dashboard is read-only; ${req.method} is not allowed`);
    const headers = { authorization: this.authorization, ...(req.headers.accept ? { accept: req.headers.accept } : {}) };
    const out = http.request({ host: upstream.host, port: upstream.port, path, method: req.method, headers, agent: this.agent, timeout: 30_000 }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('timeout', () => out.destroy(new Error('no answer within 30 s')));
    out.on('error', (err) => {
      if (!res.headersSent) refuse(res, 502, 'DASHBOARD_PROXY_UPSTREAM', upstream.failure(err).message);
      else res.destroy();
    });
    out.end();
  }
}

/** The dashboard of the local mesh `meshform up` runs from `workspace`, on its controller's admin port. */
export function localDashboardUrl(workspace: string): string {
  return `http://${readMeshState(workspace).controllerAdmin}${DASHBOARD_PATH}`;
}

/** A running `meshform dashboard --kubernetes`: where it serves, which controller it reaches, and how to stop it. */
export interface ServedDashboard {
  readonly url: string;
  /** The controller it forwards to, in words. */
  readonly controller: string;
  close(): Promise<void>;
}

/**
 * Kubernetes mode: serves the dashboard on 127.0.0.1 through a DashboardProxy to one controller
 * replica (the first running pod, or `--admin-address`); every replica computes the same graph and
 * canaries, and lists the proxies connected to it.
 */
export async function serveClusterDashboard(options: Omit<DashboardOptions, 'workspace' | 'kubernetes'>): Promise<ServedDashboard> {
  const kubeConfig = loadKubeConfig(options.kubeconfig);
  const authorization = await bearerAuthorization(kubeConfig);
  let upstream: DashboardUpstream;
  let closeUpstream = async () => {};
  let controller: string;
  if (options.adminAddress !== undefined) {
    const address = parseAdminAddress(options.adminAddress);
    const where = `the controller at ${options.adminAddress}`;
    controller = where;
    upstream = { ...address, failure: (err) => new Error(`cannot reach ${where}: ${err instanceof Error ? err.message : String(err)}`) };
  } else {
    const [pod] = await runningControllerPods(kubeConfig.makeApiClient(CoreV1Api), options.controllerNamespace);
    const forward = await openPortForward(kubeConfig, options.controllerNamespace, pod!, CONTROL_PLANE_PORTS.admin);
    controller = `controller ${options.controllerNamespace}/${pod}`;
    upstream = { host: '127.0.0.1', port: forward.port, failure: (err) => portForwardError(options.controllerNamespace, pod!, CONTROL_PLANE_PORTS.admin, forward.failure() ?? err) };
    closeUpstream = () => forward.close();
  }
  const proxy = await DashboardProxy.start(upstream, authorization, options.port);
  return {
    url: proxy.url,
    controller,
    async close() {
      await proxy.close();
      await closeUpstream();
    },
  };
}

/** `meshform dashboard`: local mode prints the local controller's dashboard URL; Kubernetes mode serves the cluster's until Ctrl-C. */
export async function runDashboard(options: DashboardOptions): Promise<number> {
  if (!options.kubernetes) {
    process.stdout.write(`dashboard: ${localDashboardUrl(options.workspace)}\n`);
    return 0;
  }
  const served = await serveClusterDashboard(options);
  process.stdout.write(`dashboard: ${served.url} (${served.controller}, with your kubeconfig's token; Ctrl-C stops)\n`);
  await untilStopped();
  await served.close();
  return 0;
}
