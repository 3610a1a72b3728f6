import type { Logger } from 'pino';
import {
  TypeUrl,
  vhdsServiceDefinition,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DeltaResource,
  type XdsNode,
} from '../../lib/xds';
import type { ControllerChannel } from './controller-channel';
import { ControllerStream, INVALID_ARGUMENT, rejectionOf } from './controller-stream';

/** Applies one delta response all or nothing; returns a reason to NACK it, or undefined to ACK. */
export type DeltaHandler = (systemVersion: string, resources: readonly DeltaResource[], removed: readonly string[]) => string | undefined;

export interface VhdsClientOptions {
  channel: ControllerChannel;
  /** Called on every (re)connect so the node (and its token) is current. */
  node: () => XdsNode;
  onResponse: DeltaHandler;
  /** The virtual hosts held, name → version: sent on a new stream so the controller sends only what changed. */
  held: () => Record<string, string>;
  initialBackoffMs: number;
  maxBackoffMs: number;
  logger: Logger;
}

/**
 * Envoy's VHDS client (delta xDS on its own stream beside ADS). It subscribes to route
 * configuration names, each meaning all the virtual hosts of that configuration, and sends only
 * subscription changes. The controller answers every request that adds names with one response,
 * in order, so responses are paired with subscriptions by count. A push already under way when a
 * later subscription goes out is taken for its answer, so that route configuration may count as in
 * sync a moment early; readiness counts only the first sync, where nothing else is in flight (the
 * controller sends nothing before the first subscription).
 */
export class VhdsClient {
  private readonly stream: ControllerStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
  private subscribed: ReadonlySet<string> = new Set();
  private opened = false;
  /** The names of each subscribing request on the current stream not answered yet, oldest first. */
  private readonly awaiting: (readonly string[])[] = [];
  /** Subscribed names whose first answer was rejected: in sync after the next accepted response. */
  private readonly rejected = new Set<string>();
  /** Subscribed names that have had their virtual hosts accepted; kept across reconnects (fail-static). */
  private readonly inSync = new Set<string>();

  constructor(private readonly options: VhdsClientOptions) {
    this.stream = new ControllerStream({
      channel: options.channel,
      method: vhdsServiceDefinition.DeltaVirtualHosts!,
      name: 'vhds',
      node: options.node,
      onOpen: () => this.onOpen(),
      onResponse: (response) => this.onResponse(response),
      initialBackoffMs: options.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
      logger: options.logger,
    });
  }

  get connected(): boolean {
    return this.stream.connected;
  }

  /** True when every subscribed route configuration has had its virtual hosts accepted. */
  get synced(): boolean {
    return [...this.subscribed].every((name) => this.inSync.has(name));
  }

  /**
   * Sets the route configurations whose virtual hosts this proxy wants. The stream opens with the
   * first one; after that only the change is sent.
   */
  subscribe(names: readonly string[]): void {
    const wanted = new Set(names);
    const added = [...wanted].filter((name) => !this.subscribed.has(name)).sort();
    const removed = [...this.subscribed].filter((name) => !wanted.has(name)).sort();
    if (added.length === 0 && removed.length === 0) return;
    this.subscribed = wanted;
    for (const name of removed) {
      this.inSync.delete(name);
      this.rejected.delete(name);
    }
    if (!this.opened) {
      this.opened = true;
      this.stream.start();
      return;
    }
    const change = { ...(added.length > 0 ? { resource_names_subscribe: added } : {}), ...(removed.length > 0 ? { resource_names_unsubscribe: removed } : {}) };
    this.send(change, added);
  }

  /** The ADS stream is up: a VHDS stream refused for want of it (FAILED_PRECONDITION) need not wait out its backoff. */
  retryNow(): void {
    this.stream.retryNow();
  }

  close(): void {
    this.stream.close();
  }

  private onOpen(): void {
    this.awaiting.length = 0;
    const names = [...this.subscribed].sort();
    if (names.length === 0) return;
    this.send({ resource_names_subscribe: names, initial_resource_versions: this.options.held() }, names);
  }

  private onResponse(response: DeltaDiscoveryResponse): void {
    if (response.type_url !== TypeUrl.VirtualHost) {
      this.options.logger.warn({ event: 'xds.unexpected_type', stream: 'vhds', typeUrl: response.type_url }, 'delta response of a type never subscribed');
      return;
    }
    const answered = this.awaiting.shift() ?? [];
    const reason = rejectionOf(() => this.options.onResponse(response.system_version_info, response.resources, response.removed_resources));
    if (reason === undefined) {
      for (const name of [...this.rejected, ...answered]) if (this.subscribed.has(name)) this.inSync.add(name);
      this.rejected.clear();
      this.send({ response_nonce: response.nonce });
      return;
    }
    for (const name of answered) if (this.subscribed.has(name) && !this.inSync.has(name)) this.rejected.add(name);
    this.options.logger.warn(
      { event: 'xds.nack', typeUrl: response.type_url, version: response.system_version_info, reason },
      'rejected config; keeping the last good one',
    );
    this.send({ response_nonce: response.nonce, error_detail: { code: INVALID_ARGUMENT, message: reason } });
  }

  /** Writes a request; one that subscribes waits for its answer. */
  private send(fields: Omit<DeltaDiscoveryRequest, 'type_url'>, subscribing: readonly string[] = []): void {
    if (this.stream.write({ type_url: TypeUrl.VirtualHost, ...fields }) && subscribing.length > 0) this.awaiting.push(subscribing);
  }
}
