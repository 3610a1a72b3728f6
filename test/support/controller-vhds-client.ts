import { TypeUrl, unpackAny, vhdsServiceDefinition, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse, type XdsMessage, type XdsNode } from '../../lib/xds';
import { XdsTestStream } from './xds-test-stream';

/** A bare VHDS (delta) client for protocol tests (see XdsTestStream); requests default to the VirtualHost type. */
export class VhdsTestClient extends XdsTestStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
  constructor(address: string, node: XdsNode) {
    super(address, node, vhdsServiceDefinition.DeltaVirtualHosts!);
  }

  override send(request: Omit<DeltaDiscoveryRequest, 'node' | 'type_url'> & { type_url?: string }): void {
    super.send({ type_url: TypeUrl.VirtualHost, ...request });
  }

  ack(response: DeltaDiscoveryResponse): void {
    this.send({ response_nonce: response.nonce });
  }
}

/** The virtual hosts of a delta response, decoded, by name. */
export function virtualHostsOf(response: DeltaDiscoveryResponse): Map<string, XdsMessage> {
  return new Map(response.resources.map((r) => [r.name, unpackAny(r.resource)]));
}
