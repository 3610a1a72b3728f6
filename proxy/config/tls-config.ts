import { readFileSync } from 'node:fs';
import type { XdsMessage } from '../../lib/xds';
import { ConfigError } from '../errors';
import { compileStringMatcher, type StringPredicate } from './string-matcher';

/** Which SDS secrets a TLS context uses. Secrets are resolved per connection, so rotation is live. */
interface TlsSecrets {
  readonly validationSecret: string | undefined;
  readonly alpn: readonly string[];
}

/** A required subject alternative name: a URI SAN (SPIFFE id) for mesh peers, a DNS SAN for external hosts. */
export interface SanMatcher {
  readonly type: 'URI' | 'DNS';
  readonly matches: StringPredicate;
}

export interface UpstreamTls extends TlsSecrets {
  /** The one certificate the client presents. */
  readonly certificateSecret: string | undefined;
  readonly sni: string | undefined;
  /** The server certificate must carry a SAN satisfying one of these (when there are any). */
  readonly sanMatchers: readonly SanMatcher[];
  /** A trust bundle given inline (external services); mesh peers use the validation secret. */
  readonly trustedCa: string | undefined;
}

export interface DownstreamTls extends TlsSecrets {
  readonly requireClientCertificate: boolean;
  /**
   * Every certificate served, at least one: the first by default; with more than one, the client's
   * SNI picks the one whose names match (a gateway's hosts).
   */
  readonly certificateSecrets: readonly string[];
}

export interface CompiledSecret {
  readonly name: string;
  readonly certificateChain: string | undefined;
  readonly privateKey: string | undefined;
  readonly trustedCa: string | undefined;
}

function sdsName(config: unknown): string | undefined {
  return (config as { name?: string } | undefined)?.name || undefined;
}

interface CommonTls extends TlsSecrets {
  readonly certificateSecrets: readonly string[];
  readonly sanMatchers: SanMatcher[];
  readonly trustedCa: string | undefined;
}

function compileCommon(common: XdsMessage | undefined, resource: string): CommonTls {
  if (!common) throw new ConfigError(resource, 'TLS context without common_tls_context');
  if (((common['tls_certificates'] as unknown[] | undefined) ?? []).length > 0) {
    throw new ConfigError(resource, 'inline tls_certificates are not supported; use SDS');
  }
  const certificateSecrets = ((common['tls_certificate_sds_secret_configs'] as unknown[] | undefined) ?? []).map(sdsName).filter((n): n is string => n !== undefined);
  let validationSecret: string | undefined;
  let inline: XdsMessage | undefined;
  switch (common['validation_context_type']) {
    case undefined:
      break;
    case 'validation_context_sds_secret_config':
      validationSecret = sdsName(common['validation_context_sds_secret_config']);
      break;
    case 'combined_validation_context': {
      const combined = common['combined_validation_context'] as XdsMessage;
      validationSecret = sdsName(combined['validation_context_sds_secret_config']);
      inline = combined['default_validation_context'] as XdsMessage | undefined;
      break;
    }
    case 'validation_context':
      inline = common['validation_context'] as XdsMessage;
      break;
    default:
      throw new ConfigError(resource, `unsupported validation context ${String(common['validation_context_type'])}`);
  }
  const sanMatchers = (((inline?.['match_typed_subject_alt_names'] as XdsMessage[] | undefined) ?? [])).map((san) => {
    const type = san['san_type'];
    if (type !== 'URI' && type !== 'DNS') throw new ConfigError(resource, `only URI and DNS SAN matching are supported, got ${String(type)}`);
    return { type, matches: compileStringMatcher(san['matcher'] as never, resource) } as SanMatcher;
  });
  return {
    certificateSecrets,
    validationSecret,
    alpn: (common['alpn_protocols'] as string[] | undefined) ?? [],
    sanMatchers,
    trustedCa: dataSource(inline?.['trusted_ca'], resource),
  };
}

export function compileUpstreamTls(message: XdsMessage, resource: string): UpstreamTls {
  const { certificateSecrets, ...common } = compileCommon(message['common_tls_context'] as XdsMessage | undefined, resource);
  if (certificateSecrets.length > 1) throw new ConfigError(resource, 'a client presents one certificate; upstream TLS takes one certificate secret');
  return { ...common, certificateSecret: certificateSecrets[0], sni: (message['sni'] as string | undefined) || undefined };
}

export function compileDownstreamTls(message: XdsMessage, resource: string): DownstreamTls {
  const common = compileCommon(message['common_tls_context'] as XdsMessage | undefined, resource);
  if (common.certificateSecrets.length === 0) throw new ConfigError(resource, 'downstream TLS needs a certificate secret');
  return {
    certificateSecrets: common.certificateSecrets,
    validationSecret: common.validationSecret,
    alpn: common.alpn,
    requireClientCertificate: (message['require_client_certificate'] as { value?: boolean } | undefined)?.value === true,
  };
}

function dataSource(source: unknown, resource: string): string | undefined {
  const data = source as { inline_bytes?: Uint8Array; inline_string?: string; filename?: string } | undefined;
  if (!data) return undefined;
  if (data.inline_string) return data.inline_string;
  if (data.inline_bytes && data.inline_bytes.length > 0) return Buffer.from(data.inline_bytes).toString('utf8');
  if (data.filename) {
    try {
      return readFileSync(data.filename, 'utf8');
    } catch (error) {
      throw new ConfigError(resource, `cannot read ${data.filename}: ${(error as Error).message}`);
    }
  }
  return undefined;
}

export function compileSecret(message: XdsMessage): CompiledSecret {
  const name = String(message['name'] ?? '');
  const resource = `secret ${name}`;
  const certificate = message['tls_certificate'] as XdsMessage | undefined;
  const validation = message['validation_context'] as XdsMessage | undefined;
  if (!certificate && !validation) throw new ConfigError(resource, 'neither tls_certificate nor validation_context');
  const secret: CompiledSecret = {
    name,
    certificateChain: dataSource(certificate?.['certificate_chain'], resource),
    privateKey: dataSource(certificate?.['private_key'], resource),
    trustedCa: dataSource(validation?.['trusted_ca'], resource),
  };
  if (certificate && (!secret.certificateChain || !secret.privateKey)) {
    throw new ConfigError(resource, 'tls_certificate needs certificate_chain and private_key');
  }
  return secret;
}
