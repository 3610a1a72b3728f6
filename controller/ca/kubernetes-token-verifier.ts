import { AuthenticationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { ProxyIdentity } from '../../lib/translate';
import { ControllerError, ControllerErrorCode } from '../errors';
import { matchClaim, requireToken, type IdentityVerifier, type VerifiedIdentity } from './identity-verifier';

const SA_USER = /^system:serviceaccount:([^:]+):([^:]+)$/;

/** Kubernetes: the proxy's projected ServiceAccount token, checked with a TokenReview. */
export class KubernetesTokenVerifier implements IdentityVerifier {
  private readonly api: AuthenticationV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly audiences: readonly string[] = [],
  ) {
    this.api = kubeConfig.makeApiClient(AuthenticationV1Api);
  }

  async verify(proxy: ProxyIdentity): Promise<VerifiedIdentity> {
    const token = requireToken(proxy);
    const review = await this.api.createTokenReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(this.audiences.length ? { audiences: [...this.audiences] } : {}) } },
    });
    const user = review.status?.authenticated ? review.status.user?.username : undefined;
    const match = user ? SA_USER.exec(user) : null;
    if (!match) throw new ControllerError(ControllerErrorCode.TokenInvalid, `the TokenReview of proxy ${proxy.id} failed: ${review.status?.error ?? 'not a service account token'}`);
    return matchClaim(proxy, { namespace: match[1]!, serviceAccount: match[2]! });
  }
}
