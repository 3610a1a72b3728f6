import type { IConversionOptions } from 'protobufjs';
import { messageType } from './proto-root';
import { typeNameOf } from './type-urls';

/** A `google.protobuf.Any` on the wire: the type URL and the encoded message. */
export interface PackedAny {
  type_url: string;
  value: Uint8Array;
}

/**
 * A decoded message as a plain object: proto field names (keepCase), 64-bit integers as strings,
 * enums as names, the set member of each oneof named by the oneof, and every embedded Any expanded
 * into `{ '@type': <type URL>, ...fields }` (an Any of an unknown type stays `{ type_url, value }`).
 */
export type XdsMessage = Record<string, unknown>;

const TO_OBJECT: IConversionOptions = { longs: String, enums: String, oneofs: true, arrays: true, json: true };

/**
 * Encodes a plain object as the message of `typeUrl`. Nested Any fields may be given as objects
 * carrying `@type`; they are packed too.
 */
export function packAny(typeUrl: string, message: object): PackedAny {
  const type = messageType(typeNameOf(typeUrl));
  // fromObject (not verify) so enums may be given by name; it throws on a misshapen object.
  let decoded: ReturnType<typeof type.fromObject>;
  try {
    decoded = type.fromObject(message);
  } catch (error) {
    throw new TypeError(`cannot pack ${typeNameOf(typeUrl)}: ${(error as Error).message}`);
  }
  return { type_url: typeUrl, value: type.encode(decoded).finish() };
}

/** Decodes a packed Any into a plain object (see XdsMessage). Throws on an unknown type. */
export function unpackAny(any: PackedAny): XdsMessage {
  const type = messageType(typeNameOf(any.type_url));
  const object = type.toObject(type.decode(any.value), TO_OBJECT);
  return { '@type': any.type_url, ...object };
}
