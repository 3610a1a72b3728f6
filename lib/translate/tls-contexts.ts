import { TypeUrl } from '../xds';
import type { EnvoyMessage } from './envoy-types';
import { FilterName, SDS_DEFAULT, SDS_ROOT_CA } from './resource-names';

const sds = (name: string) => ({ name, sds_config: { ads: {}, resource_api_version: 'V3' } });

/** A sidecar's client side of mTLS: its SVID from SDS `default`, the peer checked against `ROOTCA` and its SPIFFE id. */
export function upstreamMtlsSocket(peerSpiffeIds: readonly string[], sni: string): EnvoyMessage {
  return {
    name: FilterName.TlsTransportSocket,
    typed_config: {
      '@type': TypeUrl.UpstreamTlsContext,
      sni,
      common_tls_context: {
        tls_certificate_sds_secret_configs: [sds(SDS_DEFAULT)],
        combined_validation_context: {
          default_validation_context: {
            match_typed_subject_alt_names: peerSpiffeIds.map((id) => ({ san_type: 'URI', matcher: { exact: id } })),
          },
          validation_context_sds_secret_config: sds(SDS_ROOT_CA),
        },
        alpn_protocols: ['istio-peer-exchange', 'h2', 'http/1.1'],
      },
    },
  };
}

/** TLS origination to an external host: verify it against the given bundle or the system roots. */
export function upstreamOriginationSocket(sni: string, caCertificates: string | undefined): EnvoyMessage {
  return {
    name: FilterName.TlsTransportSocket,
    typed_config: {
      '@type': TypeUrl.UpstreamTlsContext,
      sni,
      common_tls_context: {
        validation_context: {
          trusted_ca: caCertificates ? { inline_string: caCertificates } : { filename: '/etc/ssl/certs/ca-certificates.crt' },
          match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: sni } }],
        },
      },
    },
  };
}

/** A sidecar's server side of mTLS: client certificates required and checked against `ROOTCA`. */
export function downstreamMtlsSocket(): EnvoyMessage {
  return {
    name: FilterName.TlsTransportSocket,
    typed_config: {
      '@type': TypeUrl.DownstreamTlsContext,
      require_client_certificate: { value: true },
      common_tls_context: {
        tls_certificate_sds_secret_configs: [sds(SDS_DEFAULT)],
        validation_context_sds_secret_config: sds(SDS_ROOT_CA),
        alpn_protocols: ['h2', 'http/1.1'],
      },
    },
  };
}
