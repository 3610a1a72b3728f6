/** A Gateway API status condition as the conversion decides it; the writer adds lastTransitionTime. */
export interface GatewayApiCondition {
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
}

/** Reasons from the Gateway API specification that Meshform sets. */
export const Reason = {
  Accepted: 'Accepted',
  Programmed: 'Programmed',
  Invalid: 'Invalid',
  ResolvedRefs: 'ResolvedRefs',
  UnsupportedValue: 'UnsupportedValue',
  UnsupportedProtocol: 'UnsupportedProtocol',
  ListenersNotValid: 'ListenersNotValid',
  NotAllowedByListeners: 'NotAllowedByListeners',
  NoMatchingListenerHostname: 'NoMatchingListenerHostname',
  NoMatchingParent: 'NoMatchingParent',
  RefNotPermitted: 'RefNotPermitted',
  BackendNotFound: 'BackendNotFound',
  InvalidKind: 'InvalidKind',
  InvalidCertificateRef: 'InvalidCertificateRef',
  InvalidRouteKinds: 'InvalidRouteKinds',
} as const;

export function condition(type: string, ok: boolean, reason: string, message: string, generation: number | undefined): GatewayApiCondition {
  return { type, status: ok ? 'True' : 'False', reason, message: message.slice(0, 32_000), ...(generation !== undefined ? { observedGeneration: generation } : {}) };
}
