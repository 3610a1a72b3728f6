import { msToDuration, TypeUrl } from '../xds';
import type { EnvoyMessage } from './envoy-types';
import { parseDuration } from '../api';

/** A ConfigSource naming the ADS stream the resource came on (RDS, EDS, SDS by name). */
export const ADS = { ads: {}, resource_api_version: 'V3' };

/** google.protobuf.Duration of a mesh duration string ("250ms"). */
export function duration(text: string): { seconds: string; nanos: number } {
  return msToDuration(parseDuration(text));
}

/** A UInt32Value / wrapper message. */
export function wrapped<T extends number | boolean | string>(value: T): { value: T } {
  return { value };
}

/** envoy.type.v3.FractionalPercent of a percentage (0–100, fractions kept to a millionth). */
export function fractionalPercent(percent: number): { numerator: number; denominator: 'MILLION' } {
  return { numerator: Math.round(percent * 10_000), denominator: 'MILLION' };
}

/** envoy.type.v3.Percent. */
export function percentValue(percent: number): { value: number } {
  return { value: percent };
}

/** A socket address. */
export function socketAddress(address: string, port: number): { socket_address: { address: string; port_value: number } } {
  return { socket_address: { address, port_value: port } };
}

/**
 * An upstream spoken in HTTP/2 (http2 and gRPC ports: gRPC needs it end to end), in the v3 form:
 * the HttpProtocolOptions extension rather than the deprecated Cluster.http2_protocol_options.
 */
export function http2Upstream(): EnvoyMessage {
  return {
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': TypeUrl.HttpProtocolOptions, explicit_http_config: { http2_protocol_options: {} } },
    },
  };
}
