/**
 * Something the translation could not express for the asking proxy. `rejected`: the resource (or
 * the field) was left out and the proxy runs without it; `degraded`: it was translated with a
 * stated approximation (a proxyless gRPC client cannot do everything a sidecar does). Codes are
 * stable: tests, docs and the controller's status conditions key on them.
 */
export interface TranslationIssue {
  readonly code: TranslationIssueCode;
  readonly severity: 'rejected' | 'degraded';
  /** The resource, like `TrafficRoute default/reviews`. */
  readonly where: string;
  /** Dotted field path inside it. */
  readonly field: string;
  readonly message: string;
}

export const TranslationIssueCode = {
  /** A backend, mirror or policy names a service that does not exist. */
  UnknownService: 'UNKNOWN_SERVICE',
  /** A backend names a version the service does not define. */
  UnknownVersion: 'UNKNOWN_VERSION',
  /** The service has no such port, or the port is ambiguous. */
  UnknownPort: 'UNKNOWN_PORT',
  /** Two services claim the same outbound port with protocols that cannot share a listener. */
  PortConflict: 'PORT_CONFLICT',
  /** A route rule targets a TCP port, where only plain forwarding exists. */
  HttpFeatureOnTcp: 'HTTP_FEATURE_ON_TCP',
  /** A proxyless gRPC client cannot honour this field; it was approximated or left out. */
  UnsupportedByProxyless: 'UNSUPPORTED_BY_PROXYLESS',
  /** An Envoy field cannot express the value exactly; the nearest Envoy semantics are used. */
  Approximated: 'APPROXIMATED',
  /** A service port targets an application port its pod's traffic capture leaves out. */
  PortNotCaptured: 'PORT_NOT_CAPTURED',
  /** A route or ExternalService names a MeshGateway that does not exist or cannot take it. */
  UnknownGateway: 'UNKNOWN_GATEWAY',
  /** A gateway listener names a TLS Secret the controller does not have. */
  MissingSecret: 'MISSING_SECRET',
  /** A second resource for the same target; the first (by namespace/name) wins. */
  Conflict: 'CONFLICT',
} as const;

export type TranslationIssueCode = (typeof TranslationIssueCode)[keyof typeof TranslationIssueCode];

/** Collects issues during one translation; each is recorded once. */
export class IssueLog {
  private readonly seen = new Set<string>();
  readonly issues: TranslationIssue[] = [];

  add(issue: TranslationIssue): void {
    const key = `${issue.code}|${issue.where}|${issue.field}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.issues.push(issue);
  }
}
