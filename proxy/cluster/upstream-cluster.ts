import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import { isIP } from 'node:net';
import { createSecureContext, type PeerCertificate } from 'node:tls';
import type { ClusterConfig, Endpoint } from '../config/cluster-config';
import type { CompiledSecret } from '../config/tls-config';
import { HTTP2_SETTINGS, widenConnectionWindow } from './http2-windows';
import { EndpointState } from './endpoint-state';
import { createLoadBalancer, type LoadBalancer } from './load-balancer';
import { recordOutcome, type AttemptOutcome } from './outlier-detector';

export type OverflowKind = 'max_requests' | 'max_pending_requests' | 'max_retries';

/** Hooks for telemetry: the cluster reports, it does not know about metrics. */
export interface ClusterEvents {
  overflow(cluster: string, kind: OverflowKind): void;
  ejected(cluster: string, address: string, untilMs: number): void;
}

const MAX_ORIGINAL_DESTINATIONS = 1024;

/** Keep-alive sockets idle longer than this are closed (below Node's 5 s server keepAliveTimeout race). */
const IDLE_SOCKET_TIMEOUT_MS = 4_000;

/**
 * The run-time side of a cluster that outlives config snapshots: counters for circuit breaking,
 * endpoint states for outlier detection and least request, and the keep-alive connection pool.
 */
export class ClusterState {
  activeRequests = 0;
  pendingRequests = 0;
  activeRetries = 0;
  readonly endpoints = new Map<string, EndpointState>();
  private agent: http.Agent | undefined;
  private agentSecrets: readonly (CompiledSecret | undefined)[] = [];
  /** A pool is sized by max_connections; a new limit takes a new pool (the old one drains idle). */
  private agentLimit = 0;
  /** HTTP/2 clusters multiplex on one session per endpoint (and TLS material). */
  private readonly sessions = new Map<string, { session: http2.ClientHttp2Session; secrets: readonly (CompiledSecret | undefined)[] }>();
  /** Requests each upstream connection has carried, for max_requests_per_connection. */
  private readonly requestsOn = new WeakMap<object, number>();
  /** The pool's idle timeout, as built (a new one takes a new pool). */
  private agentIdleMs = 0;

  constructor(readonly name: string) {}

  /**
   * The connection pool for the cluster's current TLS material and connection limit. A rotated
   * certificate gets a new pool; connections of the old one finish their requests and close when idle.
   */
  agentFor(config: ClusterConfig, secrets: ReadonlyMap<string, CompiledSecret>): http.Agent {
    const material = tlsMaterial(config, secrets);
    // A longer idle timeout would race Node servers' 5 s keep-alive; a shorter one is honoured.
    const idleMs = Math.min(config.idleTimeoutMs ?? IDLE_SOCKET_TIMEOUT_MS, IDLE_SOCKET_TIMEOUT_MS);
    if (this.agent && sameMaterial(material, this.agentSecrets) && this.agentLimit === config.limits.maxConnections && this.agentIdleMs === idleMs) return this.agent;
    const options: https.AgentOptions = {
      keepAlive: true,
      maxSockets: config.limits.maxConnections,
      maxTotalSockets: config.limits.maxConnections,
      timeout: idleMs,
      scheduling: 'lifo',
    };
    this.agentIdleMs = idleMs;
    this.agent = config.tls ? new https.Agent({ ...options, ...tlsOptions(config, material) }) : new http.Agent(options);
    this.agentSecrets = material;
    this.agentLimit = config.limits.maxConnections;
    return this.agent;
  }

  /** The HTTP/2 session to an endpoint, opened on first use and replaced once closed or rotated. */
  sessionFor(config: ClusterConfig, secrets: ReadonlyMap<string, CompiledSecret>, host: string, port: number): http2.ClientHttp2Session {
    const key = `${host}:${port}`;
    const material = tlsMaterial(config, secrets);
    const existing = this.sessions.get(key);
    if (existing && !existing.session.closed && !existing.session.destroyed && sameMaterial(material, existing.secrets)) return existing.session;
    // A rotated session finishes its open streams, then closes.
    existing?.session.close();
    const authority = `${config.tls ? 'https' : 'http'}://${host}:${port}`;
    const session = http2.connect(authority, { settings: HTTP2_SETTINGS, ...(config.tls ? { ...tlsOptions(config, material), ALPNProtocols: ['h2'] } : {}) });
    session.on('error', () => undefined);
    session.once('connect', () => widenConnectionWindow(session));
    session.once('close', () => {
      if (this.sessions.get(key)?.session === session) this.sessions.delete(key);
    });
    session.setTimeout(config.idleTimeoutMs ?? IDLE_SOCKET_TIMEOUT_MS * 15, () => session.close());
    this.sessions.set(key, { session, secrets: material });
    return session;
  }

  /** Counts a request on an upstream connection; true when it is the last one the cluster allows there. */
  countRequest(connection: object, config: ClusterConfig): boolean {
    // Most clusters set no limit: nothing to count on the request path then.
    if (config.maxRequestsPerConnection === undefined) return false;
    const count = (this.requestsOn.get(connection) ?? 0) + 1;
    this.requestsOn.set(connection, count);
    return count >= config.maxRequestsPerConnection;
  }

  /**
   * Takes an HTTP/2 session out of use: new requests get a new session, and it closes once `last`
   * (its last stream) has, since closing earlier would refuse a stream not yet on the wire.
   */
  retireSession(session: http2.ClientHttp2Session, last: http2.ClientHttp2Stream): void {
    for (const [key, entry] of this.sessions) if (entry.session === session) this.sessions.delete(key);
    last.once('close', () => session.close());
  }

  /** Closes the idle pooled HTTP/1.1 connections to an endpoint (a name, not an IP: any on its port). */
  closeIdleConnections(host: string, port: number): void {
    const byName = isIP(host) === 0;
    for (const sockets of Object.values(this.agent?.freeSockets ?? {})) {
      for (const socket of sockets ?? []) if (socket.remotePort === port && (byName || socket.remoteAddress === host)) socket.destroy();
    }
  }

  /** Open upstream connections, for /clusters and the connections gauge. */
  connectionCount(): number {
    const count = (sockets: NodeJS.ReadOnlyDict<unknown[]>) => Object.values(sockets).reduce((n, list) => n + (list?.length ?? 0), 0);
    const pooled = this.agent ? count(this.agent.sockets) + count(this.agent.freeSockets) : 0;
    return pooled + this.sessions.size;
  }

  /** Closes idle pooled connections; busy ones finish their request and then time out idle. */
  retire(): void {
    for (const { session } of this.sessions.values()) session.close();
    for (const sockets of Object.values(this.agent?.freeSockets ?? {})) for (const socket of sockets ?? []) socket.destroy();
  }

  /** Closes every pooled connection at once (proxy shutdown). */
  close(): void {
    this.agent?.destroy();
    for (const { session } of this.sessions.values()) session.destroy();
    this.sessions.clear();
  }
}

function tlsMaterial(config: ClusterConfig, secrets: ReadonlyMap<string, CompiledSecret>): (CompiledSecret | undefined)[] {
  return config.tls ? [secrets.get(config.tls.certificateSecret ?? ''), secrets.get(config.tls.validationSecret ?? '')] : [];
}

function sameMaterial(a: readonly (CompiledSecret | undefined)[], b: readonly (CompiledSecret | undefined)[]): boolean {
  return a.length === b.length && a.every((secret, i) => secret === b[i]);
}

function tlsOptions(config: ClusterConfig, [certificate, validation]: readonly (CompiledSecret | undefined)[]): https.AgentOptions {
  const tls = config.tls!;
  const ca = validation?.trustedCa ?? tls.trustedCa;
  return {
    // One context per pool, not PEM strings: an https.Agent names its pools by concatenating the
    // PEMs of every request's options (kilobytes built and hashed per request), and each new
    // connection would parse them into a context of its own again.
    secureContext: createSecureContext({
      ...(certificate?.certificateChain ? { cert: certificate.certificateChain, key: certificate.privateKey } : {}),
      ...(ca ? { ca } : {}),
    }),
    ...(tls.sni ? { servername: tls.sni } : {}),
    ALPNProtocols: ['http/1.1'],
    rejectUnauthorized: true,
    // Mesh peers are named by SPIFFE URI SANs, external hosts by DNS SANs: check what the config asks.
    checkServerIdentity: (_host: string, cert: PeerCertificate) => {
      if (tls.sanMatchers.length === 0) return undefined;
      const sans = subjectAltNames(cert);
      if (tls.sanMatchers.some((matcher) => sans.some((san) => san.type === matcher.type && matcher.matches(san.value)))) return undefined;
      const presented = sans.map((san) => `${san.type}:${san.value}`).join(',') || '(none)';
      return Object.assign(new Error(`upstream identity ${presented} is not the expected one`), { code: 'ERR_MESH_IDENTITY_MISMATCH' });
    },
  };
}

function subjectAltNames(cert: PeerCertificate | undefined): { type: string; value: string }[] {
  return (cert?.subjectaltname ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.includes(':'))
    .map((entry) => ({ type: entry.slice(0, entry.indexOf(':')), value: entry.slice(entry.indexOf(':') + 1) }));
}

/** The URI SANs of a peer certificate (SPIFFE ids). */
export function uriSans(cert: PeerCertificate | undefined): string[] {
  return subjectAltNames(cert)
    .filter((san) => san.type === 'URI')
    .map((san) => san.value);
}

/**
 * A cluster as one snapshot sees it: config and endpoints (immutable), the balancer built for
 * them, and the shared run-time state.
 */
export class UpstreamCluster {
  readonly members: readonly EndpointState[];
  private readonly balancer: LoadBalancer;

  constructor(
    readonly config: ClusterConfig,
    endpoints: readonly Endpoint[],
    readonly state: ClusterState,
    private readonly events: ClusterEvents,
    private readonly panicThreshold: number,
  ) {
    this.members = endpoints.map((endpoint) => {
      const existing = state.endpoints.get(endpoint.address);
      if (existing) {
        existing.endpoint = endpoint;
        return existing;
      }
      const created = new EndpointState(endpoint);
      state.endpoints.set(endpoint.address, created);
      return created;
    });
    const current = new Set(endpoints.map((endpoint) => endpoint.address));
    if (!config.originalDestinationHeader) {
      for (const address of state.endpoints.keys()) if (!current.has(address)) state.endpoints.delete(address);
    }
    this.balancer = createLoadBalancer(config, this.members);
  }

  get name(): string {
    return this.config.name;
  }

  /**
   * Chooses an endpoint, skipping ejected ones and (for a retry) those already tried when others
   * remain. Below the panic threshold of healthy endpoints it balances over all of them, as Envoy.
   */
  pick(hash: number | undefined, avoid?: ReadonlySet<EndpointState>): EndpointState | undefined {
    const now = Date.now();
    let candidates: readonly EndpointState[] = this.members;
    if (this.config.outlier && this.members.some((member) => member.isEjected(now))) {
      const healthy = this.members.filter((member) => !member.isEjected(now));
      if ((100 * healthy.length) / this.members.length >= this.panicThreshold) candidates = healthy;
    }
    if (avoid && avoid.size > 0) {
      const fresh = candidates.filter((member) => !avoid.has(member));
      if (fresh.length > 0) candidates = fresh;
    }
    return this.balancer.pick(candidates, hash);
  }

  /**
   * The endpoint of an ORIGINAL_DST cluster for a `host:port` destination; states are kept per
   * destination (bounded) so pools and outlier counts still apply.
   */
  originalDestination(destination: string | undefined): EndpointState | undefined {
    const match = destination ? /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(destination) : null;
    if (!match) return undefined;
    const existing = this.state.endpoints.get(destination!);
    if (existing) return existing;
    if (this.state.endpoints.size >= MAX_ORIGINAL_DESTINATIONS) this.state.endpoints.delete(this.state.endpoints.keys().next().value!);
    const host = match[1]!.replace(/^\[|\]$/g, '');
    const created = new EndpointState({ host, port: Number(match[2]), address: destination!, weight: 1 });
    this.state.endpoints.set(destination!, created);
    return created;
  }

  recordOutcome(endpoint: EndpointState, outcome: AttemptOutcome): void {
    endpoint.totalRequests += 1;
    if (outcome.kind === 'local-failure' || outcome.status >= 500) endpoint.totalFailures += 1;
    if (!this.config.outlier) return;
    const now = Date.now();
    if (recordOutcome(this.config.outlier, endpoint, this.members, outcome, now)) {
      this.events.ejected(this.name, endpoint.address, endpoint.ejectedUntil);
    }
  }

  /** Circuit breaking on max_requests: false (and an overflow counted) when the cluster is full. */
  tryStartRequest(): boolean {
    if (this.state.activeRequests >= this.config.limits.maxRequests) {
      this.events.overflow(this.name, 'max_requests');
      return false;
    }
    this.state.activeRequests += 1;
    return true;
  }

  endRequest(): void {
    this.state.activeRequests -= 1;
  }

  /** Circuit breaking on pending requests (waiting for a connection). */
  tryQueue(): boolean {
    if (this.state.pendingRequests >= this.config.limits.maxPendingRequests) {
      this.events.overflow(this.name, 'max_pending_requests');
      return false;
    }
    this.state.pendingRequests += 1;
    return true;
  }

  dequeue(): void {
    this.state.pendingRequests -= 1;
  }

  /** A retry may start if max_retries (or the retry budget, which replaces it) allows. */
  tryStartRetry(): boolean {
    const { maxRetries, retryBudget } = this.config.limits;
    const limit = retryBudget
      ? Math.max(retryBudget.minConcurrency, retryBudget.fraction * (this.state.activeRequests + this.state.pendingRequests))
      : maxRetries;
    if (this.state.activeRetries >= limit) {
      this.events.overflow(this.name, 'max_retries');
      return false;
    }
    this.state.activeRetries += 1;
    return true;
  }

  endRetry(): void {
    this.state.activeRetries -= 1;
  }
}
