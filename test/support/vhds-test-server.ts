import * as grpc from '@grpc/grpc-js';
import {
  routeConfigOfVirtualHost,
  packAny,
  TypeUrl,
  vhdsServiceDefinition,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
} from '../../lib/xds';
import type { ResourceObject } from './xds-test-server';

interface DeltaStream {
  call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
  /** Route configuration names subscribed: each means all of its virtual hosts. */
  subscribed: Set<string>;
  /** What the client holds as far as this server knows: virtual host name → version. */
  held: Map<string, string>;
}

/**
 * A small VHDS (delta) service for tests, served beside ADS by TestXdsServer: holds virtual hosts
 * by name, answers every request that subscribes with one response (possibly empty), pushes each
 * change to the streams subscribed to its route configuration, and records every request so tests
 * can wait for ACKs, NACKs and reconnects. `pause()` holds responses back until `resume()`.
 */
export class TestVhdsService {
  readonly requests: DeltaDiscoveryRequest[] = [];
  private readonly hosts = new Map<string, { resource: ResourceObject; version: string }>();
  private readonly streams = new Set<DeltaStream>();
  private readonly waiters = new Set<{ match: (request: DeltaDiscoveryRequest) => boolean; resolve: (request: DeltaDiscoveryRequest) => void }>();
  private readonly held: (() => void)[] = [];
  private paused = false;
  private refusals = 0;
  private nonce = 0;
  private version = 0;

  /** Serves DeltaVirtualHosts on `server` (beside ADS, as the controller does). */
  addTo(server: grpc.Server): void {
    server.addService(vhdsServiceDefinition, {
      DeltaVirtualHosts: (call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>) => this.onStream(call),
    });
  }

  /** Adds or replaces virtual hosts (named `<route configuration>/<host>`) and pushes them. */
  set(...resources: ResourceObject[]): string {
    const version = String(++this.version);
    for (const resource of resources) this.hosts.set(resource.name, { resource, version });
    for (const stream of this.streams) this.push(stream, resources.map((r) => r.name).filter((name) => stream.subscribed.has(routeConfigOfVirtualHost(name))), []);
    return version;
  }

  /** Removes virtual hosts and tells the subscribed streams. */
  remove(...names: string[]): void {
    for (const name of names) this.hosts.delete(name);
    for (const stream of this.streams) this.push(stream, [], names.filter((name) => stream.held.has(name)));
  }

  /** The next `count` streams fail with FAILED_PRECONDITION, as the controller does before it has the node's ADS stream. */
  refuseStreams(count: number): void {
    this.refusals = count;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const write of this.held.splice(0)) write();
  }

  /** Resolves with the first request (past or future) that matches. */
  waitForRequest(match: (request: DeltaDiscoveryRequest) => boolean): Promise<DeltaDiscoveryRequest> {
    const seen = this.requests.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.add({ match, resolve }));
  }

  /** Resolves with the ACK of the response that carried `nonce`. */
  waitForAck(nonce: string): Promise<DeltaDiscoveryRequest> {
    return this.waitForRequest((r) => r.response_nonce === nonce && !r.error_detail);
  }

  waitForNack(): Promise<DeltaDiscoveryRequest> {
    return this.waitForRequest((r) => !!r.error_detail);
  }

  /** The nonce of the last response sent. */
  get lastNonce(): string {
    return String(this.nonce);
  }

  dropStreams(): void {
    for (const stream of this.streams) stream.call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'dropped by test' });
    this.streams.clear();
  }

  private onStream(call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>): void {
    if (this.refusals > 0) {
      this.refusals -= 1;
      call.emit('error', { code: grpc.status.FAILED_PRECONDITION, details: 'no ADS stream for this node yet' });
      return;
    }
    const stream: DeltaStream = { call, subscribed: new Set(), held: new Map() };
    this.streams.add(stream);
    call.on('data', (request: DeltaDiscoveryRequest) => this.onRequest(stream, request));
    call.on('error', () => this.streams.delete(stream));
    call.on('end', () => {
      this.streams.delete(stream);
      call.end();
    });
  }

  private onRequest(stream: DeltaStream, request: DeltaDiscoveryRequest): void {
    this.requests.push(request);
    for (const waiter of this.waiters) {
      if (waiter.match(request)) {
        this.waiters.delete(waiter);
        waiter.resolve(request);
      }
    }
    for (const [name, version] of Object.entries(request.initial_resource_versions ?? {})) stream.held.set(name, version);
    for (const name of request.resource_names_unsubscribe ?? []) {
      stream.subscribed.delete(name);
      for (const host of stream.held.keys()) if (routeConfigOfVirtualHost(host) === name) stream.held.delete(host);
    }
    const added = request.resource_names_subscribe ?? [];
    if (added.length === 0) return;
    for (const name of added) stream.subscribed.add(name);
    const current = [...this.hosts.keys()].filter((name) => added.includes(routeConfigOfVirtualHost(name)));
    const gone = [...stream.held.keys()].filter((name) => added.includes(routeConfigOfVirtualHost(name)) && !this.hosts.has(name));
    this.push(stream, current, gone, true);
  }

  /** Sends what changed for this stream (virtual hosts it does not hold at their version); `always` answers even with nothing. */
  private push(stream: DeltaStream, names: readonly string[], removed: readonly string[], always = false): void {
    const changed = names.filter((name) => stream.held.get(name) !== this.hosts.get(name)!.version);
    if (changed.length === 0 && removed.length === 0 && !always) return;
    for (const name of changed) stream.held.set(name, this.hosts.get(name)!.version);
    for (const name of removed) stream.held.delete(name);
    const response: DeltaDiscoveryResponse = {
      system_version_info: String(this.version),
      type_url: TypeUrl.VirtualHost,
      nonce: String(++this.nonce),
      resources: changed.map((name) => {
        const { resource, version } = this.hosts.get(name)!;
        return { name, version, resource: packAny(TypeUrl.VirtualHost, resource) };
      }),
      removed_resources: [...removed],
    };
    const write = () => stream.call.write(response);
    if (this.paused) this.held.push(write);
    else write();
  }
}
