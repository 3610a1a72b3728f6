import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { CompiledSecret, DownstreamTls } from '../config/tls-config';

/** Secure contexts by certificate secret, then by validation secret; entries die with rotated secrets. */
const cache = new WeakMap<CompiledSecret, Map<CompiledSecret | undefined, SecureContext>>();

/**
 * The server-side TLS context for a filter chain from the current SDS secrets, or undefined while
 * a secret has not arrived yet (the connection is refused rather than served without mTLS).
 */
export function serverSecureContext(tls: DownstreamTls, secrets: ReadonlyMap<string, CompiledSecret>): SecureContext | undefined {
  const certificate = secrets.get(tls.certificateSecrets[0]!);
  if (!certificate?.certificateChain || !certificate.privateKey) return undefined;
  const validation = tls.validationSecret ? secrets.get(tls.validationSecret) : undefined;
  if (tls.validationSecret && !validation?.trustedCa) return undefined;
  return contextOf(certificate, validation);
}

type SniCallback = (servername: string, callback: (error: Error | null, context?: SecureContext) => void) => void;

/** The SNI choosers made for a chain's TLS config, valid while the snapshot's secrets are the same map. */
const choosers = new WeakMap<DownstreamTls, { readonly secrets: ReadonlyMap<string, CompiledSecret>; readonly choose: SniCallback | undefined }>();

/**
 * For a chain serving several certificates (a gateway's hosts), the callback that picks one by the
 * client's SNI: the certificate naming the host exactly, else one whose wildcard covers it, else the
 * first (as Envoy falls back); undefined for a chain with one certificate. Made once per config and
 * secrets, so a connection only looks up names.
 */
export function sniChooser(tls: DownstreamTls, secrets: ReadonlyMap<string, CompiledSecret>): SniCallback | undefined {
  if (tls.certificateSecrets.length < 2) return undefined;
  const made = choosers.get(tls);
  if (made?.secrets === secrets) return made.choose;
  const validation = tls.validationSecret ? secrets.get(tls.validationSecret) : undefined;
  const exact = new Map<string, SecureContext>();
  const wildcards = new Map<string, SecureContext>();
  let first: SecureContext | undefined;
  for (const name of tls.certificateSecrets) {
    const certificate = secrets.get(name);
    if (!certificate?.certificateChain || !certificate.privateKey) continue;
    const context = contextOf(certificate, validation);
    first ??= context;
    for (const dns of dnsNamesOf(certificate)) {
      const [table, key] = dns.startsWith('*.') ? [wildcards, dns.slice(1)] : [exact, dns];
      if (!table.has(key)) table.set(key, context);
    }
  }
  const choose: SniCallback | undefined = first
    ? (servername, callback) => {
        const host = servername.toLowerCase();
        callback(null, exact.get(host) ?? wildcards.get(host.slice(host.indexOf('.'))) ?? first);
      }
    : undefined;
  choosers.set(tls, { secrets, choose });
  return choose;
}

const namesOfSecret = new WeakMap<CompiledSecret, readonly string[]>();

/** The DNS names a certificate's leaf carries (its SANs; its CN when it has none). */
function dnsNamesOf(secret: CompiledSecret): readonly string[] {
  let names = namesOfSecret.get(secret);
  if (!names) {
    const leaf = new X509Certificate(secret.certificateChain!);
    const sans = (leaf.subjectAltName ?? '').split(', ').filter((san) => san.startsWith('DNS:')).map((san) => san.slice(4).toLowerCase());
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(leaf.subject)?.[1]?.toLowerCase();
    names = sans.length > 0 ? sans : cn ? [cn] : [];
    namesOfSecret.set(secret, names);
  }
  return names;
}

function contextOf(certificate: CompiledSecret, validation: CompiledSecret | undefined): SecureContext {
  let byValidation = cache.get(certificate);
  if (!byValidation) {
    byValidation = new Map();
    cache.set(certificate, byValidation);
  }
  let context = byValidation.get(validation);
  if (!context) {
    context = createSecureContext({
      cert: certificate.certificateChain!,
      key: certificate.privateKey!,
      ...(validation?.trustedCa ? { ca: validation.trustedCa } : {}),
      // OpenSSL refuses to resume a session that verified a client certificate unless the context
      // has a session id context; without one a resumed mTLS connection fails with internal_error.
      sessionIdContext: 'meshform-inbound',
    });
    byValidation.set(validation, context);
  }
  return context;
}
