import { experimental, Server, ServerCredentials, status, type ServerDuplexStream } from '@grpc/grpc-js';
import { TypeUrl, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse, type DiscoveryRequest, type DiscoveryResponse } from '../../lib/xds';
import { proxyIdentity } from '../../lib/translate';
import { ControllerErrorCode } from '../errors';
import type { Logger } from '../logger';
import type { ControllerMetrics } from '../metrics';
import { ProxyStream, type ReplyListener } from './proxy-stream';
import { controllerAdsDefinition, controllerVhdsDefinition } from './response-encoding';
import { VhdsStream } from './vhds-stream';

export interface AdsCallbacks {
  /** A stream identified itself; the controller gives it a snapshot. */
  onConnect(stream: ProxyStream): void;
  onDisconnect(stream: ProxyStream): void;
  /** A proxy ACKed or NACKed a response (ADS or VHDS). */
  onReply?: ReplyListener;
}

export interface AdsServerOptions {
  readonly host: string;
  readonly port: number;
  /** TLS with the provider's (renewable) certificate, for proxies in a cluster; plaintext (loopback, proxyless clients) when absent. */
  readonly tls?: experimental.CertificateProvider;
}

type Call = ServerDuplexStream<DiscoveryRequest, DiscoveryResponse> | ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;

/**
 * The xDS endpoint: one ProxyStream per connected proxy (ADS, state of the world), and beside it
 * the proxy's VHDS stream (delta), which follows the snapshots of the proxy's ADS stream.
 */
export class AdsServer {
  private readonly server = new Server({ 'grpc.keepalive_time_ms': 30_000, 'grpc.max_send_message_length': 256 * 1024 * 1024 });
  private readonly streams = new Set<Call>();
  /** The latest ADS stream of each node id, which a VHDS stream of that node follows. */
  private readonly byNode = new Map<string, ProxyStream>();
  /** Each node's VHDS streams, with the call to end when its ADS stream goes. */
  private readonly vhdsByNode = new Map<string, Map<VhdsStream, ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>>>();
  private connections = 0;
  port = 0;

  constructor(
    private readonly callbacks: AdsCallbacks,
    private readonly log: Logger,
    private readonly metrics?: ControllerMetrics,
  ) {
    this.server.addService(controllerAdsDefinition, { StreamAggregatedResources: (call: ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) => this.serve(call) });
    this.server.addService(controllerVhdsDefinition, { DeltaVirtualHosts: (call: ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>) => this.serveVhds(call) });
  }

  async listen(options: AdsServerOptions): Promise<number> {
    // grpc-js names the first parameter caCertificateProvider but uses it as the identity (server certificate) provider.
    const credentials = options.tls ? experimental.createCertificateProviderServerCredentials(options.tls, null, false) : ServerCredentials.createInsecure();
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${options.host}:${options.port}`, credentials, (error, port) => (error ? reject(error) : resolve(port))),
    );
    return this.port;
  }

  async close(): Promise<void> {
    for (const call of this.streams) call.end();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    this.server.forceShutdown();
  }

  /** Holds a call until it ends (however it ends: once), then runs `onFinish` and ends it; returns its connection id. */
  private track(call: Call, onFinish: () => void): string {
    this.streams.add(call);
    const finish = () => {
      if (!this.streams.delete(call)) return;
      onFinish();
      call.end();
    };
    call.on('end', finish);
    call.on('error', finish);
    call.on('cancelled', finish);
    return `c${++this.connections}`;
  }

  private serve(call: ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>): void {
    let stream: ProxyStream | undefined;
    const connectionId = this.track(call, () => {
      if (!stream) return;
      if (this.byNode.get(stream.proxy.id) === stream) {
        this.byNode.delete(stream.proxy.id);
        // Left without snapshots, its VHDS streams would look alive and go stale: the proxy reconnects them once ADS is back.
        for (const vhdsCall of this.vhdsByNode.get(stream.proxy.id)?.values() ?? []) {
          vhdsCall.emit('error', { code: status.UNAVAILABLE, details: `[${ControllerErrorCode.NoAdsStream}] the ADS stream of node ${stream.proxy.id} ended` });
        }
      }
      this.metrics?.connectedProxies.dec();
      this.log.info({ proxy: stream.proxy.id, connectionId }, 'proxy disconnected');
      this.callbacks.onDisconnect(stream);
    });
    call.on('data', (request: DiscoveryRequest) => {
      if (!stream) {
        if (!request.node?.id) {
          this.log.warn({ code: ControllerErrorCode.NoNode, connectionId }, 'first DiscoveryRequest carries no node; closing');
          call.emit('error', { code: status.INVALID_ARGUMENT, details: `[${ControllerErrorCode.NoNode}] the first DiscoveryRequest must carry node.id` });
          return;
        }
        stream = new ProxyStream(connectionId, proxyIdentity(request.node), (response) => call.write(response), this.log, this.metrics, this.callbacks.onReply);
        const previous = this.byNode.get(stream.proxy.id);
        this.byNode.set(stream.proxy.id, stream);
        for (const vhds of this.vhdsByNode.get(stream.proxy.id)?.keys() ?? []) {
          previous?.detach(vhds);
          stream.attach(vhds);
        }
        this.metrics?.connectedProxies.inc();
        this.log.info({ proxy: stream.proxy.id, kind: stream.proxy.kind, connectionId }, 'proxy connected');
        this.callbacks.onConnect(stream);
      }
      stream.handleRequest(request);
    });
  }

  /**
   * A proxy's VHDS stream: identified by the node of its first request, it follows the ADS stream
   * of that node (now and after the ADS stream reconnects); without one it is refused, and the proxy
   * retries once its ADS stream is up.
   */
  private serveVhds(call: ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>): void {
    let vhds: VhdsStream | undefined;
    const connectionId = this.track(call, () => {
      if (!vhds) return;
      const id = vhds.proxy.id;
      this.vhdsByNode.get(id)?.delete(vhds);
      if (this.vhdsByNode.get(id)?.size === 0) this.vhdsByNode.delete(id);
      this.byNode.get(id)?.detach(vhds);
      // What this stream's proxy rejected goes with the stream.
      this.callbacks.onReply?.(vhds.proxy, TypeUrl.VirtualHost);
    });
    call.on('data', (request: DeltaDiscoveryRequest) => {
      if (!vhds) {
        const ads = request.node?.id ? this.byNode.get(request.node.id) : undefined;
        if (!ads) {
          const details = request.node?.id
            ? `[${ControllerErrorCode.NoAdsStream}] node ${request.node.id} has no ADS stream here; open it first`
            : `[${ControllerErrorCode.NoNode}] the first DeltaDiscoveryRequest must carry node.id`;
          call.emit('error', { code: request.node?.id ? status.FAILED_PRECONDITION : status.INVALID_ARGUMENT, details });
          return;
        }
        vhds = new VhdsStream(connectionId, ads.proxy, (response) => call.write(response), this.log, this.metrics, this.callbacks.onReply);
        const id = ads.proxy.id;
        if (!this.vhdsByNode.has(id)) this.vhdsByNode.set(id, new Map());
        this.vhdsByNode.get(id)!.set(vhds, call);
        ads.attach(vhds);
      }
      vhds.handleRequest(request);
    });
  }
}
