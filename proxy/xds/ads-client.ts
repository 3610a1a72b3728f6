import type { Logger } from 'pino';
import {
  adsServiceDefinition,
  type DiscoveryRequest,
  type DiscoveryResponse,
  type PackedAny,
  type XdsNode,
} from '../../lib/xds';
import type { ControllerChannel } from './controller-channel';
import { ControllerStream, INVALID_ARGUMENT, rejectionOf } from './controller-stream';

/** Applies one response of a type; returns a reason to NACK it, or undefined to ACK. */
export type ResponseHandler = (typeUrl: string, version: string, resources: PackedAny[]) => string | undefined;

export interface AdsClientOptions {
  channel: ControllerChannel;
  /** Called on every (re)connect so the node (and its token) is current. */
  node: () => XdsNode;
  onResponse: ResponseHandler;
  onConnectedChange?: (connected: boolean) => void;
  initialBackoffMs: number;
  maxBackoffMs: number;
  logger: Logger;
}

interface Subscription {
  /** LDS and CDS are wildcard (all resources); RDS, EDS and SDS name what they want. */
  wildcard: boolean;
  names: readonly string[];
  /** The last version this proxy accepted; sent again with a NACK and on reconnect. */
  version: string;
  /** The nonce of the last response received on the current stream. */
  nonce: string;
}

/**
 * An ADS state-of-the-world client: one stream, per-type subscriptions, ACK/NACK with version and
 * nonce, and reconnection with jittered backoff. While disconnected nothing is torn down, so the
 * proxy keeps serving its last accepted config (fail-static).
 */
export class AdsClient {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly stream: ControllerStream<DiscoveryRequest, DiscoveryResponse>;

  constructor(private readonly options: AdsClientOptions) {
    this.stream = new ControllerStream({
      channel: options.channel,
      method: adsServiceDefinition.StreamAggregatedResources!,
      name: 'ads',
      node: options.node,
      onOpen: () => this.onOpen(),
      onResponse: (response) => this.onResponse(response),
      ...(options.onConnectedChange ? { onConnectedChange: options.onConnectedChange } : {}),
      initialBackoffMs: options.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
      logger: options.logger,
    });
  }

  get connected(): boolean {
    return this.stream.connected;
  }

  start(): void {
    this.stream.start();
  }

  /** Sets what this proxy wants of a type; sends a request at once when it changed. */
  subscribe(typeUrl: string, names: readonly string[] | 'wildcard'): void {
    const wildcard = names === 'wildcard';
    const wanted = wildcard ? [] : [...new Set(names)].sort();
    const current = this.subscriptions.get(typeUrl);
    if (current && current.wildcard === wildcard && sameNames(current.names, wanted)) return;
    const subscription = current ?? { wildcard, names: wanted, version: '', nonce: '' };
    subscription.wildcard = wildcard;
    subscription.names = wanted;
    this.subscriptions.set(typeUrl, subscription);
    // A named subscription that never had names has nothing to ask for yet.
    if (!current && !wildcard && wanted.length === 0) return;
    this.send(typeUrl, subscription);
  }

  close(): void {
    this.stream.close();
  }

  private onOpen(): void {
    for (const [typeUrl, subscription] of this.subscriptions) {
      subscription.nonce = '';
      if (subscription.wildcard || subscription.names.length > 0) this.send(typeUrl, subscription);
    }
  }

  private onResponse(response: DiscoveryResponse): void {
    const subscription = this.subscriptions.get(response.type_url);
    if (!subscription) {
      this.options.logger.warn({ event: 'xds.unexpected_type', typeUrl: response.type_url }, 'response for a type never subscribed');
      return;
    }
    subscription.nonce = response.nonce;
    const reason = rejectionOf(() => this.options.onResponse(response.type_url, response.version_info, response.resources));
    if (reason === undefined) {
      subscription.version = response.version_info;
      this.send(response.type_url, subscription);
    } else {
      this.options.logger.warn(
        { event: 'xds.nack', typeUrl: response.type_url, version: response.version_info, reason },
        'rejected config; keeping the last good one',
      );
      this.send(response.type_url, subscription, reason);
    }
  }

  private send(typeUrl: string, subscription: Subscription, errorMessage?: string): void {
    const request: DiscoveryRequest = {
      type_url: typeUrl,
      version_info: subscription.version,
      response_nonce: subscription.nonce,
      resource_names: [...subscription.names],
    };
    if (errorMessage !== undefined) request.error_detail = { code: INVALID_ARGUMENT, message: errorMessage };
    this.stream.write(request);
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, index) => name === b[index]);
}
