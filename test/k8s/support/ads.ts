import { type DiscoveryResponse, type XdsNode, type XdsMessage } from '../../../lib/xds';
import { AdsTestClient, resourcesOf } from '../../support/controller-ads-client';

/**
 * An ADS stream that ACKs every response and keeps the latest resources per type, so a test can
 * wait until what the controller pushed over the open stream satisfies a condition.
 */
export class AckingAdsClient {
  private readonly client: AdsTestClient;
  private readonly latest = new Map<string, XdsMessage[]>();
  private readonly names = new Map<string, string[]>();
  private readonly waiters = new Set<() => void>();
  readonly responses: DiscoveryResponse[] = [];
  private pumping = true;

  constructor(address: string, node: XdsNode) {
    this.client = new AdsTestClient(address, node);
    void this.pump();
  }

  subscribe(typeUrl: string, names: string[]): void {
    this.names.set(typeUrl, names);
    this.client.subscribe(typeUrl, names);
  }

  private async pump(): Promise<void> {
    while (this.pumping) {
      let response: DiscoveryResponse;
      try {
        response = await this.client.next();
      } catch {
        this.pumping = false;
        this.waiters.forEach((w) => w());
        return;
      }
      this.responses.push(response);
      this.latest.set(response.type_url, resourcesOf(response));
      this.client.ack(response, this.names.get(response.type_url) ?? []);
      this.waiters.forEach((w) => w());
    }
  }

  /** The latest resources of a type once `check` returns something for them (or fails after `timeoutMs`). */
  async until<T>(typeUrl: string, what: string, check: (resources: XdsMessage[]) => T | undefined | false, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const resources = this.latest.get(typeUrl);
      const value = resources ? check(resources) : undefined;
      if (value !== undefined && value !== false) return value;
      if (!this.pumping) throw new Error(`the ADS stream closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; latest ${typeUrl}: ${JSON.stringify(resources ?? null).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
  }

  close(): void {
    this.pumping = false;
    this.client.close();
  }
}

/** The addresses of a ClusterLoadAssignment, sorted. */
export function endpointAddresses(cla: XdsMessage | undefined): string[] {
  const endpoints = ((cla as any)?.endpoints ?? []) as { lb_endpoints?: { endpoint: { address: { socket_address: { address: string; port_value: number } } } }[] }[];
  return endpoints
    .flatMap((locality) => locality.lb_endpoints ?? [])
    .map((e) => `${e.endpoint.address.socket_address.address}:${e.endpoint.address.socket_address.port_value}`)
    .sort();
}
