import type { ServiceDefinition } from '@grpc/grpc-js';
import type { Type } from 'protobufjs';
import { adsServiceDefinition, DiscoveryMessage, messageType, vhdsServiceDefinition, type DeltaDiscoveryResponse, type DiscoveryResponse } from '../../lib/xds';

interface Body {
  readonly check: string;
  readonly bytes: Uint8Array;
}

/**
 * Encodes responses whose content every proxy sharing it is sent alike once, and only the nonce
 * per proxy: protobuf fields may come in any order, so the body followed by the nonce field is the
 * same message. The body is found by an object the alike responses share (their resources array),
 * checked against the fields that go with it.
 */
function nonceLastEncoder<R extends { nonce: string }>(typeName: string, keyOf: (response: R) => object, checkOf: (response: R) => string) {
  let type: Type | undefined;
  const bodies = new WeakMap<object, Body>();
  return (response: R): Buffer => {
    type ??= messageType(typeName);
    const key = keyOf(response);
    const check = checkOf(response);
    let body = bodies.get(key);
    if (!body || body.check !== check) {
      const { nonce: _nonce, ...rest } = response;
      body = { check, bytes: type.encode(type.fromObject(rest)).finish() };
      bodies.set(key, body);
    }
    return Buffer.concat([body.bytes, type.encode({ nonce: response.nonce }).finish()]);
  };
}

/** Encodes a DiscoveryResponse (ADS, state of the world); alike by resources array, version and type. */
export const encodeResponse = nonceLastEncoder<DiscoveryResponse>(DiscoveryMessage.Response, (r) => r.resources, (r) => `${r.version_info}|${r.type_url}`);

/** Encodes a DeltaDiscoveryResponse (VHDS); alike by resources array, removed names and version. */
export const encodeDeltaResponse = nonceLastEncoder<DeltaDiscoveryResponse>(DiscoveryMessage.DeltaResponse, (r) => r.resources, (r) => `${r.system_version_info}|${r.type_url}|${r.removed_resources.join(',')}`);

/** The ADS service as the controller serves it: the standard definition with `encodeResponse`. */
export const controllerAdsDefinition: ServiceDefinition = {
  StreamAggregatedResources: { ...adsServiceDefinition.StreamAggregatedResources!, responseSerialize: encodeResponse },
};

/** The VHDS service as the controller serves it, with `encodeDeltaResponse`. */
export const controllerVhdsDefinition: ServiceDefinition = {
  DeltaVirtualHosts: { ...vhdsServiceDefinition.DeltaVirtualHosts!, responseSerialize: encodeDeltaResponse },
};
