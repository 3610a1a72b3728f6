import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { XdsNode } from '../../lib/xds';
import { Backoff } from './backoff';
import type { ControllerChannel } from './controller-channel';

/** google.rpc.Code INVALID_ARGUMENT, the status of a NACK's error_detail. */
export const INVALID_ARGUMENT = 3;

/** Runs a response handler; a throw is a rejection too, so a bug NACKs instead of killing the stream. */
export function rejectionOf(apply: () => string | undefined): string | undefined {
  try {
    return apply();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export interface ControllerStreamOptions<Response> {
  channel: ControllerChannel;
  method: grpc.MethodDefinition<unknown, unknown>;
  /** Names the stream in logs (`ads`, `vhds`). */
  name: string;
  /** Called on every (re)connect so the node (and its token) is current. */
  node: () => XdsNode;
  /** A new stream is open: send what is subscribed. */
  onOpen: () => void;
  onResponse: (response: Response) => void;
  onConnectedChange?: (connected: boolean) => void;
  initialBackoffMs: number;
  maxBackoffMs: number;
  logger: Logger;
}

/**
 * One long-lived bidirectional stream to the controller: the node on its first request, and after
 * a loss a new stream after a jittered backoff (re-reading the controller's roots first). Nothing
 * is torn down while it is down, so the proxy keeps serving its last accepted config (fail-static).
 */
export class ControllerStream<Request extends { node?: XdsNode }, Response> {
  private readonly backoff: Backoff;
  private call: grpc.ClientDuplexStream<Request, Response> | undefined;
  private sentNode = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private started = false;
  private closed = false;
  private isConnected = false;

  constructor(private readonly options: ControllerStreamOptions<Response>) {
    this.backoff = new Backoff(options.initialBackoffMs, options.maxBackoffMs);
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /** Opens the stream; later calls do nothing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.connect();
  }

  /** Writes a request on the open stream (with the node if it is the stream's first); false when none is open. */
  write(request: Request): boolean {
    if (!this.call) return false;
    if (!this.sentNode) {
      try {
        request.node = this.options.node();
      } catch (error) {
        // An unreadable token must not take the proxy down: drop this stream and retry later.
        const call = this.call;
        this.onStreamEnd(call, `cannot build the node: ${(error as Error).message}`);
        call.cancel();
        return false;
      }
      this.sentNode = true;
    }
    this.call.write(request);
    return true;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.call?.cancel();
  }

  /** Reconnects at once when waiting out a backoff (what it waited for is back). */
  retryNow(): void {
    if (this.closed || this.call || this.reconnectTimer === undefined) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.backoff.reset();
    this.connect();
  }

  private connect(): void {
    if (this.closed) return;
    const call = this.options.channel.openStream(this.options.method as grpc.MethodDefinition<Request, Response>);
    this.call = call;
    this.sentNode = false;
    call.on('data', (response: Response) => {
      this.setConnected(true);
      this.backoff.reset();
      this.options.onResponse(response);
    });
    call.on('error', (error: grpc.ServiceError) => this.onStreamEnd(call, error.details || error.message));
    call.on('end', () => this.onStreamEnd(call, 'stream ended'));
    call.on('metadata', () => this.setConnected(true));
    this.options.onOpen();
  }

  private onStreamEnd(call: grpc.ClientDuplexStream<Request, Response>, reason: string): void {
    if (this.call !== call) return;
    this.call = undefined;
    this.setConnected(false);
    if (this.closed) return;
    const delay = this.backoff.next();
    this.options.logger.warn(
      { event: 'xds.disconnected', stream: this.options.name, reason, retryInMs: Math.round(delay) },
      'controller stream lost; serving last good config',
    );
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.options.channel.refreshRoot();
      this.connect();
    }, delay);
  }

  private setConnected(connected: boolean): void {
    if (this.isConnected === connected) return;
    this.isConnected = connected;
    if (connected) {
      this.options.logger.info(
        { event: 'xds.connected', stream: this.options.name, address: this.options.channel.address, tls: this.options.channel.tls },
        'controller stream up',
      );
    }
    this.options.onConnectedChange?.(connected);
  }
}
