import { Client, credentials, type ChannelCredentials, type ClientDuplexStream, type MethodDefinition } from '@grpc/grpc-js';
import type { XdsNode } from '../../lib/xds';

/**
 * A bare xDS stream for protocol tests: sends exactly the requests a test writes (the node on the
 * first) and queues every response, so a test can assert what the controller answered and what it
 * did not.
 */
export class XdsTestStream<Req extends { node?: XdsNode }, Res extends { type_url: string }> {
  private readonly client: Client;
  private readonly call: ClientDuplexStream<Req, Res>;
  private readonly queue: Res[] = [];
  private waiters: (() => void)[] = [];
  private first = true;
  closed = false;
  /** The status the stream ended with, when it failed. */
  closedWith?: { code: number; details: string };

  constructor(
    address: string,
    private readonly node: XdsNode,
    method: MethodDefinition<Req, Res>,
    channelCredentials: ChannelCredentials = credentials.createInsecure(),
  ) {
    this.client = new Client(address, channelCredentials);
    this.call = this.client.makeBidiStreamRequest(method.path, method.requestSerialize, method.responseDeserialize);
    this.call.on('data', (r: Res) => {
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

  send(request: Omit<Req, 'node'>): void {
    this.call.write({ ...request, ...(this.first ? { node: this.node } : {}) } as Req);
    this.first = false;
  }

  /** The next response (of a type, when given), waiting for it to arrive. */
  async next(typeUrl?: string): Promise<Res> {
    for (;;) {
      const i = this.queue.findIndex((r) => typeUrl === undefined || r.type_url === typeUrl);
      if (i >= 0) return this.queue.splice(i, 1)[0]!;
      if (this.closed) throw new Error('the stream closed');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Responses received and not yet taken. */
  pending(typeUrl?: string): Res[] {
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
