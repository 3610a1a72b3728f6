import * as grpc from '@grpc/grpc-js';
import {
  adsServiceDefinition,
  packAny,
  TypeUrl,
  type DiscoveryRequest,
  type DiscoveryResponse,
  type XdsNode,
} from '../../lib/xds';
import { TestVhdsService } from './vhds-test-server';

/** A resource as a plain object: a `name` and Envoy v3 fields (nested Any as `{ '@type', … }`). */
export type ResourceObject = { name: string } & Record<string, unknown>;

interface StreamState {
  call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;
  node: XdsNode | undefined;
  names: Map<string, readonly string[]>;
  sentNonce: Map<string, string>;
}

const WILDCARD_TYPES = new Set<string>([TypeUrl.Listener, TypeUrl.Cluster]);

function keyOf(resource: { name?: unknown; cluster_name?: unknown }): string {
  return String(resource.name ?? resource.cluster_name);
}

/**
 * A small ADS (state of the world) server for tests: holds resources by type, pushes each change to
 * every stream, and records every request so tests can wait for ACKs and NACKs. It answers a request
 * only when it is a stream's first for a type or changes the subscribed names, as the contract asks.
 * The same server serves VHDS (`vhds`), as the controller does.
 */
export class TestXdsServer {
  readonly requests: DiscoveryRequest[] = [];
  readonly vhds = new TestVhdsService();
  private readonly server = new grpc.Server();
  private readonly resources = new Map<string, Map<string, Record<string, unknown>>>();
  private readonly versions = new Map<string, number>();
  private readonly streams = new Set<StreamState>();
  private readonly waiters = new Set<{ match: (request: DiscoveryRequest) => boolean; resolve: (request: DiscoveryRequest) => void }>();
  private nonce = 0;
  port = 0;

  static async start(port = 0): Promise<TestXdsServer> {
    const server = new TestXdsServer();
    await server.listen(port);
    return server;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private listen(port: number): Promise<void> {
    this.server.addService(adsServiceDefinition, {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) => this.onStream(call),
    });
    this.vhds.addTo(this.server);
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => {
        if (error) return reject(error);
        this.port = bound;
        resolve();
      });
    });
  }

  /** Replaces the whole set of one type and pushes it. `cluster_name` names a ClusterLoadAssignment. */
  set(typeUrl: string, resources: readonly Record<string, unknown>[]): string {
    this.resources.set(typeUrl, new Map(resources.map((resource) => [keyOf(resource), resource])));
    const version = (this.versions.get(typeUrl) ?? 0) + 1;
    this.versions.set(typeUrl, version);
    for (const stream of this.streams) this.push(stream, typeUrl);
    return String(version);
  }

  /** Resolves with the first request (past or future) that matches. */
  waitForRequest(match: (request: DiscoveryRequest) => boolean): Promise<DiscoveryRequest> {
    const seen = this.requests.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.add({ match, resolve }));
  }

  /** Resolves when a proxy ACKs `version` of a type. */
  waitForAck(typeUrl: string, version: string): Promise<DiscoveryRequest> {
    return this.waitForRequest((r) => r.type_url === typeUrl && r.version_info === version && !r.error_detail && r.response_nonce !== '');
  }

  /** Resolves with the NACK of a type (a request carrying error_detail). */
  waitForNack(typeUrl: string): Promise<DiscoveryRequest> {
    return this.waitForRequest((r) => r.type_url === typeUrl && !!r.error_detail);
  }

  /** Ends every open stream (ADS and VHDS) with UNAVAILABLE, as a controller restart would. */
  dropStreams(): void {
    for (const stream of this.streams) stream.call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'dropped by test' });
    this.streams.clear();
    this.vhds.dropStreams();
  }

  get nodes(): XdsNode[] {
    return [...this.streams].flatMap((stream) => (stream.node ? [stream.node] : []));
  }

  stop(): Promise<void> {
    this.dropStreams();
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }

  private onStream(call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>): void {
    const stream: StreamState = { call, node: undefined, names: new Map(), sentNonce: new Map() };
    this.streams.add(stream);
    call.on('data', (request: DiscoveryRequest) => this.onRequest(stream, request));
    call.on('error', () => this.streams.delete(stream));
    call.on('end', () => {
      this.streams.delete(stream);
      call.end();
    });
  }

  private onRequest(stream: StreamState, request: DiscoveryRequest): void {
    this.requests.push(request);
    for (const waiter of this.waiters) {
      if (waiter.match(request)) {
        this.waiters.delete(waiter);
        waiter.resolve(request);
      }
    }
    if (request.node?.id) stream.node = request.node;
    const type = request.type_url;
    const first = !stream.names.has(type);
    const previous = stream.names.get(type) ?? [];
    const names = request.resource_names ?? [];
    stream.names.set(type, names);
    if (!first && request.response_nonce !== stream.sentNonce.get(type)) return;
    const changed = previous.length !== names.length || previous.some((name, i) => name !== names[i]);
    if (first || changed) this.push(stream, type);
  }

  private push(stream: StreamState, typeUrl: string): void {
    const names = stream.names.get(typeUrl);
    if (!names) return;
    const all = this.resources.get(typeUrl);
    if (!all) return;
    const wildcard = WILDCARD_TYPES.has(typeUrl);
    if (!wildcard && names.length === 0) return;
    const selected = wildcard ? [...all.values()] : names.flatMap((name) => (all.has(name) ? [all.get(name)!] : []));
    const nonce = String(++this.nonce);
    stream.sentNonce.set(typeUrl, nonce);
    stream.call.write({
      version_info: String(this.versions.get(typeUrl) ?? 0),
      type_url: typeUrl,
      nonce,
      resources: selected.map((resource) => packAny(typeUrl, resource)),
    });
  }
}
