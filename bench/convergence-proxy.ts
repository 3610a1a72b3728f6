import { Client, credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import {
  ADS_METHOD_PATH,
  adsServiceDefinition,
  toStruct,
  TypeUrl,
  VHDS_METHOD_PATH,
  vhdsServiceDefinition,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
  type XdsNode,
} from '../lib/xds';
import { ADS_CHANNEL_OPTIONS } from '../proxy/xds';

const method = adsServiceDefinition.StreamAggregatedResources!;
const vhdsMethod = vhdsServiceDefinition.DeltaVirtualHosts!;
const TYPES = [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration, TypeUrl.VirtualHost];

/**
 * A simulated sidecar for the benchmark: subscribes like Envoy (LDS and CDS wildcard, RDS and EDS by
 * name, on ADS; the virtual hosts of its route configurations on a VHDS stream once ADS is up),
 * ACKs every response at once and remembers when each type last arrived. It does not decode
 * resources, so that a hundred of them in one process measure the controller, not themselves.
 */
export class SimulatedProxy {
  private readonly client: Client;
  private readonly call: ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
  private vhds?: ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
  private readonly names = new Map<string, string[]>();
  readonly lastArrival = new Map<string, number>();
  readonly versions = new Map<string, string>();
  private listeners: (() => void)[] = [];

  constructor(address: string, workload: string, ip: string, subscriptions: { routes: string[]; clusters: string[] }) {
    // The real sidecar's channel, so that delivery costs what it costs a proxy.
    this.client = new Client(address, credentials.createInsecure(), ADS_CHANNEL_OPTIONS);
    this.call = this.client.makeBidiStreamRequest(ADS_METHOD_PATH, method.requestSerialize, method.responseDeserialize);
    this.names.set(TypeUrl.RouteConfiguration, subscriptions.routes);
    this.names.set(TypeUrl.ClusterLoadAssignment, subscriptions.clusters);
    this.call.on('data', (r: DiscoveryResponse) => {
      this.call.write({ type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce, resource_names: this.names.get(r.type_url) ?? [] });
      if (!this.vhds) this.openVhds(node, subscriptions.routes);
      this.arrived(r.type_url, r.version_info);
    });
    this.call.on('error', () => {});
    const node: XdsNode = {
      id: `sidecar~${ip}~${workload}.default~default.svc.cluster.local`,
      cluster: workload,
      metadata: toStruct({ NAMESPACE: 'default', WORKLOAD: workload, SERVICE_ACCOUNT: workload, INSTANCE_IP: ip, OUTBOUND_IP: ip }),
    };
    TYPES.filter((t) => t !== TypeUrl.VirtualHost).forEach((type_url, i) => this.call.write({ type_url, resource_names: this.names.get(type_url) ?? [], ...(i === 0 ? { node } : {}) }));
  }

  private openVhds(node: XdsNode, routes: readonly string[]): void {
    const vhds = (this.vhds = this.client.makeBidiStreamRequest(VHDS_METHOD_PATH, vhdsMethod.requestSerialize, vhdsMethod.responseDeserialize));
    vhds.on('data', (r: DeltaDiscoveryResponse) => {
      vhds.write({ type_url: r.type_url, response_nonce: r.nonce });
      this.arrived(r.type_url, r.system_version_info);
    });
    vhds.on('error', () => {});
    vhds.write({ node, type_url: TypeUrl.VirtualHost, resource_names_subscribe: [...routes] });
  }

  private arrived(typeUrl: string, version: string): void {
    this.lastArrival.set(typeUrl, performance.now());
    this.versions.set(typeUrl, version);
    const listeners = this.listeners;
    this.listeners = [];
    for (const l of listeners) l();
  }

  /** Resolves once every type has arrived at least once. */
  async ready(): Promise<void> {
    while (this.lastArrival.size < TYPES.length) await new Promise<void>((resolve) => this.listeners.push(resolve));
  }

  /** Resolves with the arrival time of the first response of a type after `since`. */
  async arrivalAfter(type: string, since: number): Promise<number> {
    for (;;) {
      const at = this.lastArrival.get(type);
      if (at !== undefined && at >= since) return at;
      await new Promise<void>((resolve) => this.listeners.push(resolve));
    }
  }

  close(): void {
    this.vhds?.cancel();
    this.call.cancel();
    this.client.close();
  }
}
