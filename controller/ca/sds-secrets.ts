import type { EnvoyMessage } from '../../lib/translate';
import { SDS_DEFAULT, SDS_ROOT_CA } from '../../lib/translate';
import type { IssuedCertificate } from './certificate-authority';

/** SDS `default`: the proxy's SVID and key. */
export function certificateSecret(certificate: IssuedCertificate): EnvoyMessage {
  return {
    name: SDS_DEFAULT,
    tls_certificate: { certificate_chain: { inline_string: certificate.certificateChainPem }, private_key: { inline_string: certificate.privateKeyPem } },
  };
}

/** SDS `ROOTCA`: every root a peer may chain to. */
export function trustBundleSecret(bundlePem: string): EnvoyMessage {
  return { name: SDS_ROOT_CA, validation_context: { trusted_ca: { inline_string: bundlePem } } };
}
