import pino, { type Logger } from 'pino';
import { toStruct, TypeUrl, type XdsNode } from '../lib/xds';
import { AdminServer } from './admin/admin-server';
import { HealthServer } from './admin/health-server';
import { nodeMetadata, type Bootstrap } from './bootstrap/bootstrap';
import { ClusterManager } from './cluster/cluster-manager';
import { ConfigStore } from './config/config-store';
import type { ConfigSnapshot } from './config/snapshot';
import { createHttpChainBuilder } from './filters/registry';
import { HttpConnectionManager } from './http/connection-manager';
import { ListenerManager } from './listeners/listener-manager';
import { ProxyMetrics } from './telemetry/metrics';
import { OtlpExporter } from './telemetry/tracing';
import { AdsClient } from './xds/ads-client';
import { ControllerChannel } from './xds/controller-channel';
import { VhdsClient } from './xds/vhds-client';

/** Istio's default when a Telemetry policy enables tracing without saying how much. */
const DEFAULT_SAMPLING_PERCENT = 1;

export interface ProxyOptions {
  /** Structured logs (events and access logs). Defaults to JSON on stdout. */
  logger?: Logger;
}

/**
 * The sidecar: an ADS client (and, for route configurations with `vhds`, a VHDS client on the same
 * channel) feeding a config store, whose snapshots drive the listeners. Until the first listeners,
 * clusters and virtual hosts arrive /ready answers 503; after that, losing the controller changes
 * nothing for traffic (fail-static).
 */
export class Proxy {
  private readonly logger: Logger;
  private readonly metrics = new ProxyMetrics();
  private readonly clusters: ClusterManager;
  private readonly store: ConfigStore;
  private readonly listeners: ListenerManager;
  private readonly channel: ControllerChannel;
  private readonly ads: AdsClient;
  private readonly vhds: VhdsClient;
  private readonly admin: AdminServer;
  private readonly health: HealthServer | undefined;
  private readonly exporter: OtlpExporter | undefined;
  /** Exporters for the OTLP endpoints Telemetry policies name, created on first use. */
  private readonly policyExporters = new Map<string, OtlpExporter>();
  private draining = false;
  private initialized = false;
  private adminBoundPort = 0;
  private healthBoundPort = 0;

  constructor(private readonly bootstrap: Bootstrap, options: ProxyOptions = {}) {
    this.logger = options.logger ?? pino({ base: { component: 'meshform-proxy', node: bootstrap.node.id } });
    this.clusters = new ClusterManager(this.metrics);
    this.store = new ConfigStore(createHttpChainBuilder({ logger: this.logger, metrics: this.metrics }), this.clusters);
    const workload = String(bootstrap.node.metadata['WORKLOAD'] ?? bootstrap.node.cluster) || 'unknown';
    const tracing = bootstrap.tracing;
    const serviceName = tracing?.serviceName ?? workload;
    this.exporter = tracing ? new OtlpExporter(tracing.otlpEndpoint, serviceName, this.logger) : undefined;
    const exporters = this.policyExporters;
    const connections = new HttpConnectionManager({
      logger: this.logger,
      accessLogger: this.logger,
      metrics: this.metrics,
      snapshot: () => this.store.current,
      workload,
      tracing: {
        exporter: this.exporter,
        samplingPercent: tracing?.samplingPercent ?? DEFAULT_SAMPLING_PERCENT,
        exporterFor: (endpoint) => {
          let exporter = exporters.get(endpoint);
          if (!exporter) {
            exporter = new OtlpExporter(endpoint, serviceName, this.logger);
            exporters.set(endpoint, exporter);
          }
          return exporter;
        },
      },
      draining: () => this.draining,
    });
    const outboundIp = bootstrap.node.metadata['OUTBOUND_IP'];
    this.listeners = new ListenerManager(
      { snapshot: () => this.store.current, connections, logger: this.logger },
      this.logger,
      bootstrap.drainTimeoutMs,
      (host, direction) => (direction === 'outbound' && host === '0.0.0.0' && typeof outboundIp === 'string' ? outboundIp : host),
    );
    this.channel = new ControllerChannel({
      address: bootstrap.controller.address,
      ...(bootstrap.controller.caFile !== undefined ? { caFile: bootstrap.controller.caFile } : {}),
      logger: this.logger,
    });
    const stream = {
      channel: this.channel,
      node: () => this.node(),
      initialBackoffMs: bootstrap.controller.initialBackoffMs,
      maxBackoffMs: bootstrap.controller.maxBackoffMs,
      logger: this.logger,
    };
    this.ads = new AdsClient({
      ...stream,
      onResponse: (typeUrl, version, resources) => this.onResponse(typeUrl, version, () => this.store.apply(typeUrl, version, resources)),
      onConnectedChange: (connected) => {
        this.metrics.controllerConnected.set(connected ? 1 : 0);
        if (connected) this.vhds.retryNow();
      },
    });
    this.vhds = new VhdsClient({
      ...stream,
      onResponse: (version, resources, removed) =>
        this.onResponse(TypeUrl.VirtualHost, version, () => this.store.applyVirtualHosts(version, resources, removed)),
      held: () => this.store.virtualHostVersions(),
    });
    this.admin = new AdminServer({
      store: this.store,
      metrics: this.metrics,
      isReady: () => this.isReady(),
      drain: () => void this.drain(),
    });
    this.health = bootstrap.health
      ? new HealthServer({ store: this.store, metrics: this.metrics, isReady: () => this.isReady(), appProbes: bootstrap.appProbes })
      : undefined;
  }

  /** Starts the admin and health servers and the ADS stream; resolves once their ports are bound. */
  async start(): Promise<void> {
    this.node(); // fails fast on an unreadable token file
    this.adminBoundPort = await this.admin.listen(this.bootstrap.admin.port, this.bootstrap.admin.address);
    if (this.health && this.bootstrap.health) {
      this.healthBoundPort = await this.health.listen(this.bootstrap.health.port, this.bootstrap.health.address);
    }
    this.ads.subscribe(TypeUrl.Cluster, 'wildcard');
    this.ads.subscribe(TypeUrl.Listener, 'wildcard');
    this.ads.start();
    const health = this.bootstrap.health && `${this.bootstrap.health.address}:${this.healthBoundPort}`;
    this.logger.info({ event: 'proxy.started', admin: `${this.bootstrap.admin.address}:${this.adminBoundPort}`, health }, 'proxy started');
  }

  get adminPort(): number {
    return this.adminBoundPort;
  }

  /** The health listener's bound port; 0 when the bootstrap has no health listener. */
  get healthPort(): number {
    return this.healthBoundPort;
  }

  get snapshot(): ConfigSnapshot {
    return this.store.current;
  }

  /** The port a listener is bound to (its configured port, or the one the OS chose for port 0). */
  listenerPort(name: string): number | undefined {
    return this.listeners.get(name)?.boundPort;
  }

  isReady(): boolean {
    const versions = this.store.current.versions;
    // The first full sync decides, once: a port added later, or a VHDS stream in backoff, must not take
    // a serving pod out of its Service (listeners and clusters, once in, never go either). Full means
    // what they name too (routes, endpoints, secrets: ConfigStore.warmed): before the routes no VHDS
    // subscription exists, so "every subscription in sync" would hold vacuously and the first
    // request would find only the catch-all; before the endpoints it would find no upstream.
    this.initialized ||=
      versions[TypeUrl.Listener] !== undefined && versions[TypeUrl.Cluster] !== undefined && this.store.warmed() && this.vhds.synced;
    return !this.draining && this.initialized;
  }

  /** Stops accepting and lets in-flight requests finish, up to the bootstrap's drain deadline. */
  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.logger.info({ event: 'proxy.draining', deadlineMs: this.bootstrap.drainTimeoutMs }, 'draining listeners');
    await this.listeners.drainAll(this.bootstrap.drainTimeoutMs);
  }

  /** Drains, then closes the controller streams, the pools, the admin and the health servers. */
  async stop(): Promise<void> {
    await this.drain();
    this.ads.close();
    this.vhds.close();
    this.channel.close();
    this.clusters.close();
    await Promise.all([this.exporter, ...this.policyExporters.values()].map((exporter) => exporter?.close()));
    await Promise.all([this.admin.close(), this.health?.close()]);
    this.logger.info({ event: 'proxy.stopped' }, 'proxy stopped');
  }

  private node(): XdsNode {
    return {
      id: this.bootstrap.node.id,
      cluster: this.bootstrap.node.cluster,
      metadata: toStruct(nodeMetadata(this.bootstrap)),
      user_agent_name: 'meshform-proxy',
    };
  }

  /** Applies one response of either stream, then follows what the new config needs. */
  private onResponse(typeUrl: string, version: string, apply: () => string | undefined): string | undefined {
    const reason = apply();
    if (reason !== undefined) {
      this.metrics.configRejections.inc({ type: typeUrl.slice(typeUrl.lastIndexOf('.') + 1) });
      return reason;
    }
    const wanted = this.store.wanted();
    this.store.retain(wanted);
    this.ads.subscribe(TypeUrl.RouteConfiguration, wanted.routes);
    this.ads.subscribe(TypeUrl.ClusterLoadAssignment, wanted.endpoints);
    this.ads.subscribe(TypeUrl.Secret, wanted.secrets);
    this.vhds.subscribe(wanted.vhds);
    this.metrics.setConfigVersions(this.store.current.versions);
    this.logger.info({ event: 'xds.applied', typeUrl, version, generation: this.store.current.generation }, 'config applied');
    if (!this.draining) void this.listeners.reconcile(this.store.current);
    return undefined;
  }
}
