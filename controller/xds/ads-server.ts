import { experimental, Server, ServerCredentials, status, type ServerDuplexStream } from '@grpc/grpc-js';
import type { DiscoveryRequest, DiscoveryResponse } from '../../lib/xds';
import { proxyIdentity } from '../../lib/translate';
import { ControllerErrorCode } from '../errors';
import type { Logger } from '../logger';
import type { ControllerMetrics } from '../metrics';
import { ProxyStream } from './proxy-stream';
import { controllerAdsDefinition } from './response-encoding';

export interface AdsCallbacks {
  /** A stream identified itself; the controller gives it a snapshot. */
  onConnect(stream: ProxyStream): void;
  onDisconnect(stream: ProxyStream): void;
}

export interface AdsServerOptions {
  readonly host: string;
  readonly port: number;
  /** TLS with the provider's (renewable) certificate, for proxies in a cluster; plaintext (loopback, proxyless clients) when absent. */
  readonly tls?: experimental.CertificateProvider;
}

/** The ADS endpoint: one ProxyStream per connected proxy, state of the world. */
export class AdsServer {
  private readonly server = new Server({ 'grpc.keepalive_time_ms': 30_000, 'grpc.max_send_message_length': 256 * 1024 * 1024 });
  private readonly streams = new Set<ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>>();
  private connections = 0;
  port = 0;

  constructor(
    private readonly callbacks: AdsCallbacks,
    private readonly log: Logger,
    private readonly metrics?: ControllerMetrics,
  ) {
    this.server.addService(controllerAdsDefinition, { StreamAggregatedResources: (call: ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) => this.serve(call) });
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

  private serve(call: ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>): void {
    this.streams.add(call);
    let stream: ProxyStream | undefined;
    const connectionId = `c${++this.connections}`;
    call.on('data', (request: DiscoveryRequest) => {
      if (!stream) {
        if (!request.node?.id) {
          this.log.warn({ code: ControllerErrorCode.NoNode, connectionId }, 'first DiscoveryRequest carries no node; closing');
          call.emit('error', { code: status.INVALID_ARGUMENT, details: `[${ControllerErrorCode.NoNode}] the first DiscoveryRequest must carry node.id` });
          return;
        }
        stream = new ProxyStream(connectionId, proxyIdentity(request.node), (response) => call.write(response), this.log, this.metrics);
        this.metrics?.connectedProxies.inc();
        this.log.info({ proxy: stream.proxy.id, kind: stream.proxy.kind, connectionId }, 'proxy connected');
        this.callbacks.onConnect(stream);
      }
      stream.handleRequest(request);
    });
    const finish = () => {
      if (!this.streams.delete(call)) return;
      if (stream) {
        this.metrics?.connectedProxies.dec();
        this.log.info({ proxy: stream.proxy.id, connectionId }, 'proxy disconnected');
        this.callbacks.onDisconnect(stream);
      }
      call.end();
    };
    call.on('end', finish);
    call.on('error', finish);
    call.on('cancelled', finish);
  }
}
