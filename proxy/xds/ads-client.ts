import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import {
  ADS_METHOD_PATH,
  adsServiceDefinition,
  type DiscoveryRequest,
  type DiscoveryResponse,
  type PackedAny,
  type XdsNode,
} from '../../lib/xds';
import type { ProxyError } from '../errors';
import { Backoff } from './backoff';
import { readControllerCa } from './controller-credentials';

/** Applies one response of a type; returns a reason to NACK it, or undefined to ACK. */
export type ResponseHandler = (typeUrl: string, version: string, resources: PackedAny[]) => string | undefined;

export interface AdsClientOptions {
  address: string;
  /**
   * PEM roots the controller's certificate must chain to: TLS, with the host name of `address`
   * checked against the certificate. Absent: plaintext (local mode, loopback).
   */
  caFile?: string;
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

const INVALID_ARGUMENT = 3;
const method = adsServiceDefinition.StreamAggregatedResources!;

/**
 * Options of the channel to the controller. HTTP/2's default 64 KB flow-control window makes a
 * large response (a RouteConfiguration of hundreds of KB in a mesh of 1000 services) wait for a
 * WINDOW_UPDATE round trip every 64 KB; Envoy opens 256 MB. Only credit: nothing is allocated
 * until the controller sends.
 */
export const ADS_CHANNEL_OPTIONS: grpc.ChannelOptions = { 'grpc-node.flow_control_window': 16 * 1024 * 1024 };

/**
 * An ADS state-of-the-world client: one stream, per-type subscriptions, ACK/NACK with version and
 * nonce, and reconnection with jittered backoff. While disconnected nothing is torn down, so the
 * proxy keeps serving its last accepted config (fail-static).
 */
export class AdsClient {
  private client: grpc.Client;
  /** The roots the current channel trusts; re-read before each reconnect so a rotated bundle is picked up. */
  private root: Buffer | undefined;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly backoff: Backoff;
  private call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse> | undefined;
  private sentNode = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private isConnected = false;

  constructor(private readonly options: AdsClientOptions) {
    this.root = options.caFile === undefined ? undefined : readControllerCa(options.caFile);
    this.client = this.makeClient();
    this.backoff = new Backoff(options.initialBackoffMs, options.maxBackoffMs);
  }

  get connected(): boolean {
    return this.isConnected;
  }

  start(): void {
    this.connect();
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
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.call?.cancel();
    this.client.close();
  }

  private connect(): void {
    if (this.closed) return;
    const call = this.client.makeBidiStreamRequest<DiscoveryRequest, DiscoveryResponse>(
      ADS_METHOD_PATH,
      method.requestSerialize,
      method.responseDeserialize,
    );
    this.call = call;
    this.sentNode = false;
    call.on('data', (response: DiscoveryResponse) => this.onResponse(response));
    call.on('error', (error: grpc.ServiceError) => this.onStreamEnd(call, error.details || error.message));
    call.on('end', () => this.onStreamEnd(call, 'stream ended'));
    call.on('metadata', () => this.setConnected(true));
    for (const [typeUrl, subscription] of this.subscriptions) {
      subscription.nonce = '';
      if (subscription.wildcard || subscription.names.length > 0) this.send(typeUrl, subscription);
    }
  }

  private onStreamEnd(call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>, reason: string): void {
    if (this.call !== call) return;
    this.call = undefined;
    this.setConnected(false);
    if (this.closed) return;
    const delay = this.backoff.next();
    this.options.logger.warn({ event: 'xds.disconnected', reason, retryInMs: Math.round(delay) }, 'controller stream lost; serving last good config');
    this.reconnectTimer = setTimeout(() => {
      this.refreshRoot();
      this.connect();
    }, delay);
  }

  private makeClient(): grpc.Client {
    return new grpc.Client(this.options.address, this.root ? grpc.credentials.createSsl(this.root) : grpc.credentials.createInsecure(), ADS_CHANNEL_OPTIONS);
  }

  /** A changed CA bundle (the kubelet updates the mounted ConfigMap during a root rotation) gets a new channel. */
  private refreshRoot(): void {
    if (this.options.caFile === undefined) return;
    let root: Buffer;
    try {
      root = readControllerCa(this.options.caFile);
    } catch (error) {
      const { code, message } = error as ProxyError;
      this.options.logger.warn({ event: 'xds.controller_ca_unreadable', code, reason: message }, 'keeping the roots read before');
      return;
    }
    if (this.root?.equals(root)) return;
    this.root = root;
    this.client.close();
    this.client = this.makeClient();
    this.options.logger.info({ event: 'xds.controller_ca_changed', caFile: this.options.caFile }, 'controller roots changed; new channel');
  }

  private onResponse(response: DiscoveryResponse): void {
    this.setConnected(true);
    this.backoff.reset();
    const subscription = this.subscriptions.get(response.type_url);
    if (!subscription) {
      this.options.logger.warn({ event: 'xds.unexpected_type', typeUrl: response.type_url }, 'response for a type never subscribed');
      return;
    }
    subscription.nonce = response.nonce;
    let reason: string | undefined;
    try {
      reason = this.options.onResponse(response.type_url, response.version_info, response.resources);
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
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
    if (!this.call) return;
    const request: DiscoveryRequest = {
      type_url: typeUrl,
      version_info: subscription.version,
      response_nonce: subscription.nonce,
      resource_names: [...subscription.names],
    };
    if (!this.sentNode) {
      try {
        request.node = this.options.node();
      } catch (error) {
        // An unreadable token must not take the proxy down: drop this stream and retry later.
        const call = this.call;
        this.onStreamEnd(call, `cannot build the node: ${(error as Error).message}`);
        call.cancel();
        return;
      }
      this.sentNode = true;
    }
    if (errorMessage !== undefined) request.error_detail = { code: INVALID_ARGUMENT, message: errorMessage };
    this.call.write(request);
  }

  private setConnected(connected: boolean): void {
    if (this.isConnected === connected) return;
    this.isConnected = connected;
    if (connected) this.options.logger.info({ event: 'xds.connected', address: this.options.address, tls: this.root !== undefined }, 'controller stream up');
    this.options.onConnectedChange?.(connected);
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, index) => name === b[index]);
}
