import type { ProxyIdentity } from '../../lib/translate';
import { ControllerError, ControllerErrorCode } from '../errors';
import { sha256Hex, type LocalIdentity } from '../sources/local-registry';
import { matchClaim, requireToken, type IdentityVerifier, type VerifiedIdentity } from './identity-verifier';

/** Local mode: the runner hands each proxy a token and writes its SHA-256 into the registry. */
export class LocalTokenVerifier implements IdentityVerifier {
  constructor(private readonly lookup: (tokenSha256: string) => LocalIdentity | undefined) {}

  async verify(proxy: ProxyIdentity): Promise<VerifiedIdentity> {
    const proven = this.lookup(sha256Hex(requireToken(proxy)));
    if (!proven) throw new ControllerError(ControllerErrorCode.TokenInvalid, `proxy ${proxy.id} sent a token the local registry does not know`);
    return matchClaim(proxy, proven);
  }
}
