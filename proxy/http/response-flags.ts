/** Envoy's response flags, short names as in its access logs, so operators read familiar codes. */
export const ResponseFlag = {
  NoRoute: 'NR',
  NoClusterFound: 'NC',
  NoHealthyUpstream: 'UH',
  UpstreamOverflow: 'UO',
  UpstreamRequestTimeout: 'UT',
  UpstreamConnectionFailure: 'UF',
  UpstreamConnectionReset: 'UR',
  UpstreamRetryLimitExceeded: 'URX',
  FaultInjectedDelay: 'DI',
  FaultInjectedAbort: 'FI',
  RateLimited: 'RL',
  RbacDenied: 'RBAC',
  DownstreamConnectionTermination: 'DC',
} as const;

export type ResponseFlag = (typeof ResponseFlag)[keyof typeof ResponseFlag];
