import { X509Certificate } from 'node:crypto';
import { DEFAULT_NAMESPACE } from '../lib/naming';
import type { EnvoyMessage } from '../lib/translate';

/** A `kubernetes.io/tls` Secret a gateway listener may serve. */
export interface TlsSecret {
  readonly namespace: string;
  readonly name: string;
  readonly certificateChainPem: string;
  readonly privateKeyPem: string;
  /** Where it was read (file, `kubernetes`). */
  readonly origin: string;
}

/** Why a Secret object cannot be served; shown with the manifest problems, never fatal. */
export interface TlsSecretProblem {
  readonly origin: string;
  readonly code: 'TLS_SECRET_INVALID';
  readonly message: string;
}

/** A v1 Secret of type kubernetes.io/tls, the kind of object gateway listeners name. */
export function isTlsSecretObject(object: unknown): boolean {
  const o = object as { apiVersion?: unknown; kind?: unknown; type?: unknown } | null;
  return o?.apiVersion === 'v1' && o.kind === 'Secret' && o.type === 'kubernetes.io/tls';
}

/**
 * Reads a `kubernetes.io/tls` Secret: `tls.crt` and `tls.key` from `data` (base64, as the API
 * server stores them) or `stringData` (as a hand-written manifest may have them). The certificate
 * must parse, so that a broken one is reported here rather than refused by every gateway proxy.
 */
export function tlsSecretOf(object: unknown, origin: string): TlsSecret | TlsSecretProblem {
  const o = object as { metadata?: { name?: unknown; namespace?: unknown }; data?: Record<string, unknown>; stringData?: Record<string, unknown> };
  const name = typeof o.metadata?.name === 'string' ? o.metadata.name : undefined;
  const namespace = typeof o.metadata?.namespace === 'string' ? o.metadata.namespace : DEFAULT_NAMESPACE;
  const problem = (message: string): TlsSecretProblem => ({ origin, code: 'TLS_SECRET_INVALID', message: `Secret ${namespace}/${name ?? '<unnamed>'}: ${message}` });
  if (!name) return problem('metadata.name is missing');
  const field = (key: string) => {
    const text = o.stringData?.[key];
    if (typeof text === 'string') return text;
    const data = o.data?.[key];
    return typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : undefined;
  };
  const certificateChainPem = field('tls.crt');
  const privateKeyPem = field('tls.key');
  if (!certificateChainPem || !privateKeyPem) return problem('needs tls.crt and tls.key (in data, base64, or stringData)');
  try {
    new X509Certificate(certificateChainPem);
  } catch (error) {
    return problem(`tls.crt is not a PEM certificate (${(error as Error).message})`);
  }
  return { namespace, name, certificateChainPem, privateKeyPem, origin };
}

/** The SDS secret a gateway receives for a TLS Secret. */
export function tlsSdsSecret(sdsName: string, secret: TlsSecret): EnvoyMessage {
  return {
    name: sdsName,
    tls_certificate: { certificate_chain: { inline_string: secret.certificateChainPem }, private_key: { inline_string: secret.privateKeyPem } },
  };
}
