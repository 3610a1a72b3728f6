import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ClusterEvents, OverflowKind } from '../cluster/upstream-cluster';

/** The labels of one finished request. */
export interface RequestLabels {
  direction: 'inbound' | 'outbound';
  source_workload: string;
  destination_service: string;
  route: string;
  response_code: string;
  response_flags: string;
}

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const SIZE_BUCKETS = [0, 64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304];

/**
 * The proxy's Prometheus metrics (Istio-like names with a meshform_ prefix), in a registry of its
 * own so several proxies in one process (tests) do not collide.
 */
export class ProxyMetrics implements ClusterEvents {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'meshform_requests_total',
    help: 'Requests handled by the proxy, by source, destination, route and response code.',
    labelNames: ['direction', 'source_workload', 'destination_service', 'route', 'response_code', 'response_flags'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'meshform_request_duration_seconds',
    help: 'Time from the first request byte to the last response byte.',
    labelNames: ['direction', 'destination_service', 'route', 'response_code'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly requestSize = new Histogram({
    name: 'meshform_request_size_bytes',
    help: 'Request body sizes.',
    labelNames: ['direction', 'destination_service'] as const,
    buckets: SIZE_BUCKETS,
    registers: [this.registry],
  });
  readonly responseSize = new Histogram({
    name: 'meshform_response_size_bytes',
    help: 'Response body sizes.',
    labelNames: ['direction', 'destination_service'] as const,
    buckets: SIZE_BUCKETS,
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'meshform_upstream_retries_total',
    help: 'Retried upstream attempts.',
    labelNames: ['cluster'] as const,
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

  recordRequest(labels: RequestLabels, seconds: number, requestBytes: number, responseBytes: number): void {
    this.requests.inc(labels);
    const { direction, destination_service, route, response_code } = labels;
    this.duration.observe({ direction, destination_service, route, response_code }, seconds);
    this.requestSize.observe({ direction, destination_service }, requestBytes);
    this.responseSize.observe({ direction, destination_service }, responseBytes);
  }

  setConfigVersions(versions: Readonly<Record<string, string>>): void {
    this.configInfo.reset();
    for (const [typeUrl, version] of Object.entries(versions)) {
      this.configInfo.set({ type: typeUrl.slice(typeUrl.lastIndexOf('.') + 1), version }, 1);
    }
  }
}
