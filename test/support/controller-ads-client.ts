import { Client, credentials, type ChannelCredentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { ADS_METHOD_PATH, adsServiceDefinition, unpackAny, type DiscoveryRequest, type DiscoveryResponse, type XdsMessage, type XdsNode } from '../../lib/xds';

const method = adsServiceDefinition.StreamAggregatedResources!;

/**
 * A bare ADS client for protocol tests: sends exactly the requests a test writes and queues every
 * response, so a test can assert what the controller answered and what it did not.
 */
export class AdsTestClient {
  private readonly client: Client;
  private readonly call: ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
  private readonly queue: DiscoveryResponse[] = [];
  private waiters: (() => void)[] = [];
  private first = true;
  closed = false;
  /** The status the stream ended with, when it failed. */
  closedWith?: { code: number; details: string };

  constructor(
    address: string,
    private readonly node: XdsNode,
    channelCredentials: ChannelCredentials = credentials.createInsecure(),
  ) {
    this.client = new Client(address, channelCredentials);
    this.call = this.client.makeBidiStreamRequest(ADS_METHOD_PATH, method.requestSerialize, method.responseDeserialize);
    this.call.on('data', (r: DiscoveryResponse) => {
      this.queue.push(r);
      this.wake();
    });
    const end = () => {
      this.closed = true;
      this.wake();
    };
    this.call.on('error', (error: { code: number; details: string }) => {
      this.closedWith = { code: error.code, details: error.details };
      end();
    });
    this.call.on('end', end);
  }

  send(request: Omit<DiscoveryRequest, 'node'>): void {
    this.call.write({ ...request, ...(this.first ? { node: this.node } : {}) });
    this.first = false;
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

  /** The next response (of a type, when given), waiting for it to arrive. */
  async next(typeUrl?: string): Promise<DiscoveryResponse> {
    for (;;) {
      const i = this.queue.findIndex((r) => typeUrl === undefined || r.type_url === typeUrl);
      if (i >= 0) return this.queue.splice(i, 1)[0]!;
      if (this.closed) throw new Error('the ADS stream closed');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Responses received and not yet taken. */
  pending(typeUrl?: string): DiscoveryResponse[] {
    return this.queue.filter((r) => typeUrl === undefined || r.type_url === typeUrl);
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

export function resourcesOf(response: DiscoveryResponse): XdsMessage[] {
  return response.resources.map(unpackAny);
}

export function namesOf(response: DiscoveryResponse): string[] {
  return resourcesOf(response).map((r) => String(r['name'] ?? r['cluster_name']));
}
