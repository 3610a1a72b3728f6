import type { Type } from 'protobufjs';
import { messageType, typeNameOf, type PackedAny } from '../xds';

// Looking a type up in the proto root walks its namespaces; packing thousands of resources per
// push makes that visible.
const types = new Map<string, Type>();

/**
 * Packs a translated resource as an Any. Unlike `packAny` it does not run protobufjs' `verify`,
 * which refuses enum names ("EDS") and int64 seconds given as strings, both of which `fromObject`
 * (the conversion that actually runs) accepts; a field of the wrong shape still throws here.
 */
export function packResource(typeUrl: string, message: object): PackedAny {
  let type = types.get(typeUrl);
  if (!type) types.set(typeUrl, (type = messageType(typeNameOf(typeUrl))));
  return { type_url: typeUrl, value: type.encode(type.fromObject(message)).finish() };
}
