import type { ProxyIdentity } from '../../lib/translate';
import { ControllerError, ControllerErrorCode } from '../errors';

/** The workload identity a proxy proved with its token. */
export interface VerifiedIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/**
 * Proves who a proxy is before the CA signs for it: the token in `node.metadata.TOKEN` must vouch
 * for the namespace and service account the proxy claims. Throws a ControllerError
 * (TOKEN_MISSING, TOKEN_INVALID, TOKEN_IDENTITY_MISMATCH) otherwise.
 */
export interface IdentityVerifier {
  verify(proxy: ProxyIdentity): Promise<VerifiedIdentity>;
}

/** Checks the claimed identity against the one the token proves. */
export function matchClaim(proxy: ProxyIdentity, proven: VerifiedIdentity): VerifiedIdentity {
  const claimedSa = proxy.serviceAccount ?? proven.serviceAccount;
  if (proven.namespace !== proxy.namespace || proven.serviceAccount !== claimedSa) {
    throw new ControllerError(
      ControllerErrorCode.TokenIdentityMismatch,
      `proxy ${proxy.id} claims ${proxy.namespace}/${claimedSa} but its token proves ${proven.namespace}/${proven.serviceAccount}`,
    );
  }
  return proven;
}

export function requireToken(proxy: ProxyIdentity): string {
  if (!proxy.token) throw new ControllerError(ControllerErrorCode.TokenMissing, `proxy ${proxy.id} sent no node.metadata.TOKEN; it gets no certificate`);
  return proxy.token;
}
