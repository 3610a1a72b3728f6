import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The controller's Prometheus metrics, on their own registry so that several controllers can live in one process (tests). */
export class ControllerMetrics {
  readonly registry = new Registry();
  readonly connectedProxies = new Gauge({ name: 'meshform_xds_connected_proxies', help: 'ADS streams open now', registers: [this.registry] });
  readonly pushes = new Counter({ name: 'meshform_xds_pushes_total', help: 'DiscoveryResponses sent', labelNames: ['type'], registers: [this.registry] });
  readonly pushLatency = new Histogram({
    name: 'meshform_xds_push_latency_seconds',
    help: 'From a configuration change to the DiscoveryResponse written, per type',
    labelNames: ['type'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  readonly acks = new Counter({ name: 'meshform_xds_acks_total', help: 'ACKs received', labelNames: ['type'], registers: [this.registry] });
  readonly nacks = new Counter({ name: 'meshform_xds_nacks_total', help: 'NACKs received', labelNames: ['type'], registers: [this.registry] });
  private issues: () => readonly { code: string }[] = () => [];
  private invalid: () => number = () => 0;
  readonly translationIssues: Gauge<'code'> = new Gauge({
    name: 'meshform_translation_issues',
    help: 'Translation issues in the current configuration',
    labelNames: ['code'],
    registers: [this.registry],
    collect: () => {
      this.translationIssues.reset();
      for (const issue of this.issues()) this.translationIssues.inc({ code: issue.code });
    },
  });
  readonly invalidResources: Gauge = new Gauge({
    name: 'meshform_invalid_resources',
    help: 'Mesh resources failing validation (their last valid version stays in force)',
    registers: [this.registry],
    collect: () => {
      this.invalidResources.set(this.invalid());
    },
  });
  readonly certificatesIssued = new Counter({ name: 'meshform_ca_certificates_issued_total', help: 'Workload certificates issued', registers: [this.registry] });
  readonly sdsDenied = new Counter({ name: 'meshform_sds_denied_total', help: 'Certificate requests refused for a missing or invalid token', labelNames: ['reason'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Where the gauges computed on scrape read from: translation issues and invalid resources. */
  onCollect(issues: () => readonly { code: string }[], invalid: () => number): void {
    this.issues = issues;
    this.invalid = invalid;
  }
}
