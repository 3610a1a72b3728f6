import { Client, credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { TypeUrl, unpackAny, VHDS_METHOD_PATH, vhdsServiceDefinition, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse, type XdsMessage, type XdsNode } from '../../lib/xds';

const method = vhdsServiceDefinition.DeltaVirtualHosts!;

/** A bare VHDS (delta) client for protocol tests: sends what a test writes, queues every response. */
export class VhdsTestClient {
  private readonly client: Client;
  private readonly call: ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
  private readonly queue: DeltaDiscoveryResponse[] = [];
  private waiters: (() => void)[] = [];
  private first = true;
  private closed = false;
  /** The status the stream ended with, when it failed. */
  closedWith?: { code: number; details: string };

  constructor(address: string, private readonly node: XdsNode) {
    this.client = new Client(address, credentials.createInsecure());
    this.call = this.client.makeBidiStreamRequest(VHDS_METHOD_PATH, method.requestSerialize, method.responseDeserialize);
    this.call.on('data', (r: DeltaDiscoveryResponse) => {
      this.queue.push(r);
      this.wake();
    });
    this.call.on('error', (error: { code: number; details: string }) => {
      this.closedWith = { code: error.code, details: error.details };
      this.closed = true;
      this.wake();
    });
  }

  send(request: Omit<DeltaDiscoveryRequest, 'node' | 'type_url'>): void {
    this.call.write({ type_url: TypeUrl.VirtualHost, ...request, ...(this.first ? { node: this.node } : {}) });
    this.first = false;
  }

  ack(response: DeltaDiscoveryResponse): void {
    this.send({ response_nonce: response.nonce });
  }

  async next(): Promise<DeltaDiscoveryResponse> {
    for (;;) {
      const r = this.queue.shift();
      if (r) return r;
      if (this.closed) throw new Error('the VHDS stream closed');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  pending(): DeltaDiscoveryResponse[] {
    return [...this.queue];
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** The virtual hosts of a delta response, decoded, by name. */
export function virtualHostsOf(response: DeltaDiscoveryResponse): Map<string, XdsMessage> {
  return new Map(response.resources.map((r) => [r.name, unpackAny(r.resource)]));
}
