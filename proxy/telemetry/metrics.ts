import { Counter, Gauge, Registry } from 'prom-client';
import type { ClusterEvents, OverflowKind } from '../cluster/upstream-cluster';
import { RequestMetrics } from './request-metrics';

/**
 * The proxy's Prometheus metrics (Istio-like names with a meshform_ prefix), in a registry of its
 * own so several proxies in one process (tests) do not collide.
 */
export class ProxyMetrics implements ClusterEvents {
  readonly registry = new Registry();
  /** Request count, duration and sizes, per label set (recorded by the connection manager). */
  readonly requests = new RequestMetrics(this.registry);
  readonly retries = new Counter({
    name: 'meshform_upstream_retries_total',
    help: 'Retried upstream attempts.',
    labelNames: ['cluster'] as const,
    registers: [this.registry],
  });
  readonly replays = new Counter({
    name: 'meshform_upstream_replays_total',
    help: 'Requests sent again, with or without a retry policy, because an attempt never reached the upstream (cause: stale-connection, refused-stream).',
    labelNames: ['cluster', 'cause'] as const,
    registers: [this.registry],
  });
  readonly overflows = new Counter({
    name: 'meshform_upstream_overflows_total',
    help: 'Requests refused or retries skipped because a circuit breaker limit was reached.',
    labelNames: ['cluster', 'limit'] as const,
    registers: [this.registry],
  });
  readonly ejections = new Counter({
    name: 'meshform_outlier_ejections_total',
    help: 'Endpoints ejected by outlier detection.',
    labelNames: ['cluster'] as const,
    registers: [this.registry],
  });
  readonly upstreamConnections = new Gauge({
    name: 'meshform_upstream_connections',
    help: 'Open upstream connections (pooled and busy).',
    labelNames: ['cluster'] as const,
    registers: [this.registry],
  });
  readonly configInfo = new Gauge({
    name: 'meshform_config_info',
    help: 'The accepted config version of each xDS type (value 1).',
    labelNames: ['type', 'version'] as const,
    registers: [this.registry],
  });
  readonly configRejections = new Counter({
    name: 'meshform_config_rejections_total',
    help: 'xDS updates rejected (NACKed).',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly controllerConnected = new Gauge({
    name: 'meshform_controller_connected',
    help: '1 while the ADS stream to the controller is up.',
    registers: [this.registry],
  });

  overflow(cluster: string, kind: OverflowKind): void {
    this.overflows.inc({ cluster, limit: kind });
  }

  ejected(cluster: string): void {
    this.ejections.inc({ cluster });
  }

  setConfigVersions(versions: Readonly<Record<string, string>>): void {
    this.configInfo.reset();
    for (const [typeUrl, version] of Object.entries(versions)) {
      this.configInfo.set({ type: typeUrl.slice(typeUrl.lastIndexOf('.') + 1), version }, 1);
    }
  }
}
