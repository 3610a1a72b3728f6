import { Writer } from 'protobufjs';
import { packAny, TypeUrl, type PackedAny } from '../xds';
import { digestOf } from './content-digest';

function encode(typeUrl: string, message: object): Uint8Array {
  return packAny(typeUrl, message).value;
}

/** RouteConfiguration.virtual_hosts is field 2, length-delimited. */
const VIRTUAL_HOSTS_TAG = (2 << 3) | 2;
const virtualHostFields = new WeakMap<object, Uint8Array>();

/**
 * A route configuration holds one virtual host per destination on its port (a thousand in a big
 * mesh), and the translation hands back the same virtual host objects while their destinations do
 * not change. So it is encoded by parts: each virtual host once (as its field), then `name`, the
 * virtual hosts and the other fields (all numbered above 2) in field order, as protobufjs would.
 */
function encodeRouteConfiguration(message: { readonly virtual_hosts?: readonly object[] }): Uint8Array {
  const { name, virtual_hosts: hosts = [], ...rest } = message as { name?: string; virtual_hosts?: readonly object[] };
  const parts = [encode(TypeUrl.RouteConfiguration, { name }), ...hosts.map((host) => {
    let field = virtualHostFields.get(host);
    if (!field) virtualHostFields.set(host, (field = Writer.create().uint32(VIRTUAL_HOSTS_TAG).bytes(encode(TypeUrl.VirtualHost, host)).finish()));
    return field;
  }), encode(TypeUrl.RouteConfiguration, rest)];
  return Buffer.concat(parts);
}

/** Packs a translated resource as an Any (`packAny`, with route configurations encoded by parts). */
export function packResource(typeUrl: string, message: object): PackedAny {
  const value = typeUrl === TypeUrl.RouteConfiguration ? encodeRouteConfiguration(message) : encode(typeUrl, message);
  return { type_url: typeUrl, value };
}

/**
 * A digest of a translated resource's content, to tell versions apart. A route configuration's is
 * made of its virtual hosts' memoized digests, so an unchanged one is recognised without
 * serializing a thousand virtual hosts again.
 */
export function resourceContentDigest(typeUrl: string, message: object): string {
  if (typeUrl !== TypeUrl.RouteConfiguration) return digestOf(message);
  const { virtual_hosts: hosts = [], ...rest } = message as { virtual_hosts?: readonly object[] };
  return digestOf({ ...rest, virtual_hosts: hosts.map(digestOf) });
}
