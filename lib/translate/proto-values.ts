import { msToDuration } from '../xds';
import { parseDuration } from '../api';

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
