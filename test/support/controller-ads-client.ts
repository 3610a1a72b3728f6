import type { ChannelCredentials } from '@grpc/grpc-js';
import { adsServiceDefinition, unpackAny, type DiscoveryRequest, type DiscoveryResponse, type XdsMessage, type XdsNode } from '../../lib/xds';
import { XdsTestStream } from './xds-test-stream';

/** A bare ADS client for protocol tests (see XdsTestStream). */
export class AdsTestClient extends XdsTestStream<DiscoveryRequest, DiscoveryResponse> {
  constructor(address: string, node: XdsNode, channelCredentials?: ChannelCredentials) {
    super(address, node, adsServiceDefinition.StreamAggregatedResources!, channelCredentials);
  }

  /** Subscribes to a type (names empty = everything). */
  subscribe(typeUrl: string, names: string[] = [], version = '', nonce = ''): void {
    this.send({ type_url: typeUrl, resource_names: names, version_info: version, response_nonce: nonce });
  }

  ack(response: DiscoveryResponse, names: string[] = []): void {
    this.send({ type_url: response.type_url, resource_names: names, version_info: response.version_info, response_nonce: response.nonce });
  }

  nack(response: DiscoveryResponse, keptVersion: string, message: string, names: string[] = []): void {
    this.send({ type_url: response.type_url, resource_names: names, version_info: keptVersion, response_nonce: response.nonce, error_detail: { code: 3, message } });
  }
}

export function resourcesOf(response: DiscoveryResponse): XdsMessage[] {
  return response.resources.map(unpackAny);
}

export function namesOf(response: DiscoveryResponse): string[] {
  return resourcesOf(response).map((r) => String(r['name'] ?? r['cluster_name']));
}
