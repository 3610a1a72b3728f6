import type { Construct } from 'constructs';
import type { TelemetrySpecInput } from '../lib/api';
import { TargetedPolicy, type TargetedPolicyProps } from './targeted-policy';

/** Props of a Telemetry policy. */
export interface TelemetryProps extends TargetedPolicyProps {
  /**
   * Distributed tracing, like `{ samplingPercent: 10, otlpEndpoint: 'http://otel-collector:4318' }`.
   * @default the proxies' defaults (1% sampling, no exporter)
   */
  readonly tracing?: TelemetrySpecInput['tracing'];
  /**
   * Request metrics the proxies expose.
   * @default the proxies' defaults (enabled)
   */
  readonly metrics?: TelemetrySpecInput['metrics'];
  /**
   * Access logs the proxies write, like `{ enabled: true, format: 'text' }`.
   * @default none: without a Telemetry that sets them, proxies write no access logs (as Envoy, Istio and Linkerd)
   */
  readonly accessLogs?: TelemetrySpecInput['accessLogs'];
}

/** What the target's proxies record: trace sampling and export, metrics, access logs. */
export class Telemetry extends TargetedPolicy<'Telemetry'> {
  private readonly props: TelemetryProps;

  constructor(scope: Construct, id: string, props: TelemetryProps = {}) {
    super(scope, id, 'Telemetry', props);
    this.props = props;
    this.checkNow();
  }

  protected override renderSpec(): TelemetrySpecInput {
    const { tracing, metrics, accessLogs } = this.props;
    return { targetRef: this.target.toSpec(), ...structuredClone({ tracing, metrics, accessLogs }) };
  }
}
