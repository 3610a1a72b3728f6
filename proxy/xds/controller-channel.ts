import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { ProxyError } from '../errors';
import { readControllerCa } from './controller-credentials';

/**
 * Options of the channel to the controller. HTTP/2's default 64 KB flow-control window makes a
 * large response (the clusters and assignments of a mesh of 1000 services, hundreds of KB) wait for a
 * WINDOW_UPDATE round trip every 64 KB; Envoy opens 256 MB. Only credit: nothing is allocated
 * until the controller sends.
 */
export const ADS_CHANNEL_OPTIONS: grpc.ChannelOptions = { 'grpc-node.flow_control_window': 16 * 1024 * 1024 };

export interface ControllerChannelOptions {
  address: string;
  /**
   * PEM roots the controller's certificate must chain to: TLS, with the host name of `address`
   * checked against the certificate. Absent: plaintext (local mode, loopback).
   */
  caFile?: string;
  logger: Logger;
}

/**
 * The one gRPC channel to the controller, shared by the ADS and VHDS streams so both use the same
 * connection and credentials (Envoy's `xds-grpc` cluster).
 */
export class ControllerChannel {
  private client: grpc.Client;
  /** The roots the current channel trusts; re-read before each reconnect so a rotated bundle is picked up. */
  private root: Buffer | undefined;

  constructor(private readonly options: ControllerChannelOptions) {
    this.root = options.caFile === undefined ? undefined : readControllerCa(options.caFile);
    this.client = this.makeClient();
  }

  get address(): string {
    return this.options.address;
  }

  get tls(): boolean {
    return this.root !== undefined;
  }

  openStream<Request, Response>(method: grpc.MethodDefinition<Request, Response>): grpc.ClientDuplexStream<Request, Response> {
    return this.client.makeBidiStreamRequest<Request, Response>(method.path, method.requestSerialize, method.responseDeserialize);
  }

  /**
   * A changed CA bundle (the kubelet updates the mounted ConfigMap during a root rotation) gets a
   * new channel. Streams open on the old one keep running; each calls this before reconnecting.
   */
  refreshRoot(): void {
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

  close(): void {
    this.client.close();
  }

  private makeClient(): grpc.Client {
    return new grpc.Client(this.options.address, this.root ? grpc.credentials.createSsl(this.root) : grpc.credentials.createInsecure(), ADS_CHANNEL_OPTIONS);
  }
}
