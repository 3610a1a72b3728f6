import type { ServiceDefinition } from '@grpc/grpc-js';
import type { Type } from 'protobufjs';
import { adsServiceDefinition, messageType, type DiscoveryResponse, type PackedAny } from '../../lib/xds';

let responseType: Type | undefined;

/** What alike proxies are sent, encoded once: by resources array (snapshots share them), checked against version and type. */
const bodies = new WeakMap<readonly PackedAny[], { version: string; type: string; bytes: Uint8Array }>();

/**
 * Encodes a DiscoveryResponse. Its version, resources and type, which every proxy sharing a
 * selection is sent alike, are encoded once; only the nonce per proxy. Protobuf fields may come in
 * any order, so the body followed by the nonce field is the same message.
 */
export function encodeResponse(response: DiscoveryResponse): Buffer {
  const type = (responseType ??= messageType('envoy.service.discovery.v3.DiscoveryResponse'));
  let body = bodies.get(response.resources);
  if (!body || body.version !== response.version_info || body.type !== response.type_url) {
    const bytes = type.encode(type.fromObject({ version_info: response.version_info, resources: response.resources, type_url: response.type_url })).finish();
    body = { version: response.version_info, type: response.type_url, bytes };
    bodies.set(response.resources, body);
  }
  return Buffer.concat([body.bytes, type.encode({ nonce: response.nonce }).finish()]);
}

/** The ADS service as the controller serves it: the standard definition with `encodeResponse`. */
export const controllerAdsDefinition: ServiceDefinition = {
  StreamAggregatedResources: { ...adsServiceDefinition.StreamAggregatedResources!, responseSerialize: encodeResponse },
};
