/**
 * Stable codes for everything the data plane can refuse or fail at. Codes appear in local replies,
 * access logs and NACK reasons, so dashboards and tests can rely on them; messages may change.
 */
export const ErrorCode = {
  BootstrapInvalid: 'BOOTSTRAP_INVALID',
  ControllerCaInvalid: 'CONTROLLER_CA_INVALID',
  ConfigInvalid: 'CONFIG_INVALID',
  NoRoute: 'NO_ROUTE',
  NoCluster: 'NO_CLUSTER',
  NoHealthyUpstream: 'NO_HEALTHY_UPSTREAM',
  /** A connection the capture rules sent to the BlackHole: REGISTRY_ONLY and no mesh service uses its port. */
  OutboundNotRegistered: 'OUTBOUND_NOT_REGISTERED',
  UpstreamOverflow: 'UPSTREAM_OVERFLOW',
  UpstreamTimeout: 'UPSTREAM_TIMEOUT',
  UpstreamConnectFailure: 'UPSTREAM_CONNECT_FAILURE',
  UpstreamReset: 'UPSTREAM_RESET',
  FaultAbort: 'FAULT_ABORT',
  RateLimited: 'RATE_LIMITED',
  RbacDenied: 'RBAC_DENIED',
  JwtMissing: 'JWT_MISSING',
  JwtInvalid: 'JWT_INVALID',
  UpstreamIdentityMismatch: 'UPSTREAM_IDENTITY_MISMATCH',
  /** HTTP/1.1 framing the proxy refuses (request smuggling vectors, malformed syntax): 400. */
  DownstreamProtocolError: 'DOWNSTREAM_PROTOCOL_ERROR',
  RequestHeadersTooLarge: 'REQUEST_HEADERS_TOO_LARGE',
  UriTooLong: 'URI_TOO_LONG',
  TransferCodingNotImplemented: 'TRANSFER_CODING_NOT_IMPLEMENTED',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class ProxyError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProxyError';
  }
}

/** An xDS resource the proxy cannot apply; the message becomes the NACK's error_detail. */
export class ConfigError extends ProxyError {
  constructor(
    readonly resource: string,
    message: string,
  ) {
    super(ErrorCode.ConfigInvalid, `${resource}: ${message}`);
    this.name = 'ConfigError';
  }
}
