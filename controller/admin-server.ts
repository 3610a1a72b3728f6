import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { EnvoyMessage, ProxyIdentity, TranslationIssue } from '../lib/translate';
import type { AdminAuthorizer } from './admin-authorizer';
import type { Controller } from './controller';
import { DASHBOARD_PATH, DashboardHandler } from './dashboard';
import type { TypeDump } from './xds/proxy-stream';

/** Extra state a mode reports on /debug/resources and readiness (source problems, leadership). */
export interface AdminExtras {
  ready(): boolean;
  sourceProblems(): unknown;
  /** Progressive canaries: phase, weight and last check of each. */
  canaries(): unknown;
}

/** One connection of a proxy on `/debug/config_dump` (what `meshform debug config` reads). */
export interface ProxyConfigDump {
  readonly connectionId: string;
  /** The proxy's node, its token redacted. */
  readonly node: Omit<ProxyIdentity, 'token'> & { readonly token?: string };
  readonly trust: { readonly state: 'pending' | 'verified' | 'refused'; readonly identity?: { readonly namespace: string; readonly serviceAccount: string }; readonly reason?: string };
  readonly issues: readonly TranslationIssue[];
  /** Per xDS type (`LDS`, `RDS`, `VHDS`, `CDS`, `EDS`, `SDS`): subscription, versions sent and ACKed, the last NACK, the resources. */
  readonly xds: Readonly<Record<string, TypeDump>>;
}

/** A dump shows that a proxy holds its key, never the key: whoever may debug must not become every workload. */
function withoutPrivateKeys(xds: Record<string, TypeDump>): Record<string, TypeDump> {
  const sds = xds['SDS'];
  if (!sds) return xds;
  const redact = (secret: EnvoyMessage): EnvoyMessage => {
    const tls = secret['tls_certificate'] as Record<string, unknown> | undefined;
    return tls?.['private_key'] ? { ...secret, tls_certificate: { ...tls, private_key: { inline_string: '<redacted>' } } } : secret;
  };
  return { ...xds, SDS: { ...sds, resources: sds.resources.map(redact) } };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body, null, 2));
}

/**
 * The admin port: `/healthz` (the process serves), `/readyz` (sources loaded and xDS listening),
 * `/metrics` (Prometheus), `/debug/config_dump?proxy=<id>` (what that proxy was sent, its ACKs and
 * NACKs, like `istioctl proxy-config`), `/debug/proxies`, `/debug/resources` (each resource's
 * status and the translation issues) and the dashboard under `/debug/dashboard/`. With an
 * authorizer (Kubernetes mode) every `/debug/` path first needs its approval; health, readiness
 * and metrics stay open for the kubelet and Prometheus.
 */
export class AdminServer {
  private readonly servers: Server[] = [];

  constructor(
    private readonly controller: Controller,
    private readonly extras: AdminExtras,
    private readonly authorizer?: AdminAuthorizer,
    private readonly dashboard?: DashboardHandler,
  ) {}

  /**
   * Serves on `host:port` (0 picks a free port) and resolves to the port. `metrics` serves only
   * `/metrics`: on its own port a NetworkPolicy can admit Prometheus there and keep it off `/debug/*`.
   */
  async listen(host: string, port: number, scope: 'admin' | 'metrics' = 'admin'): Promise<number> {
    const server = createServer((req, res) => {
      this.handle(req, res, scope).catch((error: Error) => json(res, 500, { error: error.message }));
    });
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map((server) => {
        server.closeAllConnections();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      }),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse, scope: 'admin' | 'metrics'): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    if (scope === 'metrics' && url.pathname !== '/metrics') return json(res, 404, { error: `no such path ${url.pathname}`, paths: ['/metrics'] });
    if (this.authorizer && url.pathname.startsWith('/debug/')) {
      const decision = await this.authorizer.authorize(req.headers.authorization);
      if (!decision.allowed) {
        if (decision.status === 401) res.setHeader('www-authenticate', 'Bearer realm="meshform-controller"');
        return json(res, decision.status, { error: decision.message, code: decision.code });
      }
    }
    if (this.dashboard && DashboardHandler.owns(url.pathname)) return this.dashboard.handle(req, res, url.pathname);
    switch (url.pathname) {
      case '/healthz':
        return json(res, 200, { status: 'ok' });
      case '/readyz': {
        const ready = this.extras.ready() && this.controller.xdsPort > 0;
        return json(res, ready ? 200 : 503, { ready });
      }
      case '/metrics':
        res.writeHead(200, { 'content-type': this.controller.metrics.registry.contentType });
        return void res.end(await this.controller.metrics.registry.metrics());
      case '/debug/proxies':
        return json(res, 200, this.proxies());
      case '/debug/canaries':
        return json(res, 200, this.extras.canaries());
      case '/debug/resources':
        return json(res, 200, {
          resources: this.controller.state.statuses(),
          translationIssues: this.controller.translationIssues(),
          sourceProblems: this.extras.sourceProblems(),
        });
      case '/debug/config_dump': {
        const id = url.searchParams.get('proxy');
        const matches = [...this.controller.proxies.values()].filter((p) => p.stream.proxy.id === id);
        if (matches.length === 0) return json(res, 404, { error: `no connected proxy has id ${JSON.stringify(id)}`, connected: this.proxies().map((p) => p.id) });
        return json(res, 200, matches.map((p): ProxyConfigDump => ({ connectionId: p.stream.connectionId, node: { ...p.stream.proxy, token: p.stream.proxy.token ? '<redacted>' : undefined }, trust: p.trust, issues: p.stream.currentSnapshot?.issues ?? [], xds: withoutPrivateKeys(p.stream.dump()) })));
      }
      default:
        return json(res, 404, { error: `no such path ${url.pathname}`, paths: ['/healthz', '/readyz', '/metrics', '/debug/config_dump?proxy=<id>', '/debug/proxies', '/debug/resources', '/debug/canaries', ...(this.dashboard ? [DASHBOARD_PATH] : [])] });
    }
  }

  private proxies() {
    return [...this.controller.proxies.values()].map((p) => ({ id: p.stream.proxy.id, kind: p.stream.proxy.kind, connectionId: p.stream.connectionId, trust: p.trust.state, nacks: p.stream.nacks() }));
  }
}
