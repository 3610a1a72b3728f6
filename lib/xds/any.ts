import type { IConversionOptions, Type } from 'protobufjs';
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

// Looking a type up in the proto root walks its namespaces; the controller packs thousands of
// resources per push, which makes that visible.
const types = new Map<string, Type>();

function typeOf(typeUrl: string): Type {
  let type = types.get(typeUrl);
  if (!type) types.set(typeUrl, (type = messageType(typeNameOf(typeUrl))));
  return type;
}

/**
 * Encodes a plain object as the message of `typeUrl`. Nested Any fields may be given as objects
 * carrying `@type`; they are packed too.
 */
export function packAny(typeUrl: string, message: object): PackedAny {
  const type = typeOf(typeUrl);
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
  const type = typeOf(any.type_url);
  const object = type.toObject(type.decode(any.value), TO_OBJECT);
  return { '@type': any.type_url, ...object };
}
