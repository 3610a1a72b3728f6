import { createSecureContext, type SecureContext } from 'node:tls';
import type { CompiledSecret, DownstreamTls } from '../config/tls-config';

/** Secure contexts by certificate secret, then by validation secret; entries die with rotated secrets. */
const cache = new WeakMap<CompiledSecret, Map<CompiledSecret | undefined, SecureContext>>();

/**
 * The server-side TLS context for a filter chain from the current SDS secrets, or undefined while
 * a secret has not arrived yet (the connection is refused rather than served without mTLS).
 */
export function serverSecureContext(tls: DownstreamTls, secrets: ReadonlyMap<string, CompiledSecret>): SecureContext | undefined {
  const certificate = tls.certificateSecret ? secrets.get(tls.certificateSecret) : undefined;
  if (!certificate?.certificateChain || !certificate.privateKey) return undefined;
  const validation = tls.validationSecret ? secrets.get(tls.validationSecret) : undefined;
  if (tls.validationSecret && !validation?.trustedCa) return undefined;
  let byValidation = cache.get(certificate);
  if (!byValidation) {
    byValidation = new Map();
    cache.set(certificate, byValidation);
  }
  let context = byValidation.get(validation);
  if (!context) {
    context = createSecureContext({
      cert: certificate.certificateChain,
      key: certificate.privateKey,
      ...(validation?.trustedCa ? { ca: validation.trustedCa } : {}),
      // OpenSSL refuses to resume a session that verified a client certificate unless the context
      // has a session id context; without one a resumed mTLS connection fails with internal_error.
      sessionIdContext: 'meshform-inbound',
    });
    byValidation.set(validation, context);
  }
  return context;
}
