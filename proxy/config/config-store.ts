import { TypeUrl, unpackAny, type PackedAny, type XdsMessage } from '../../lib/xds';
import type { ClusterManager } from '../cluster/cluster-manager';
import { ConfigError } from '../errors';
import { compileCluster, compileEndpoints, type ClusterConfig, type Endpoint } from './cluster-config';
import { compileListener, type HttpChainBuilder, type ListenerConfig } from './listener-config';
import { compileRouteConfiguration, type RouteTable } from './route-table';
import { EMPTY_SNAPSHOT, type ConfigSnapshot } from './snapshot';
import { compileSecret, type CompiledSecret } from './tls-config';

interface Entry<T> {
  readonly bytes: Uint8Array;
  readonly message: XdsMessage;
  readonly compiled: T;
}

type Table<T> = Map<string, Entry<T>>;

/** What the proxy must subscribe to by name, derived from the accepted listeners and clusters. */
export interface Wanted {
  readonly routes: readonly string[];
  readonly endpoints: readonly string[];
  readonly secrets: readonly string[];
}

const NO_ENDPOINTS: readonly Endpoint[] = [];
const WILDCARD_TYPES = new Set<string>([TypeUrl.Listener, TypeUrl.Cluster]);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * Holds the accepted xDS resources and the snapshot compiled from them. An update is compiled in
 * full before anything changes: if any resource fails, the update is rejected with the reason and
 * the previous snapshot stays. Unchanged resources (same bytes) keep their compiled form, with any
 * state inside it (token buckets), and unchanged clusters keep their balancers.
 */
export class ConfigStore {
  private listeners: Table<ListenerConfig | undefined> = new Map();
  private routes: Table<RouteTable> = new Map();
  private clusters: Table<ClusterConfig> = new Map();
  private endpoints: Table<readonly Endpoint[]> = new Map();
  private secrets: Table<CompiledSecret> = new Map();
  private snapshot: ConfigSnapshot = EMPTY_SNAPSHOT;

  constructor(
    private readonly http: HttpChainBuilder,
    private readonly clusterManager: ClusterManager,
  ) {}

  get current(): ConfigSnapshot {
    return this.snapshot;
  }

  /** Applies one discovery response; returns the NACK reason, or undefined when accepted. */
  apply(typeUrl: string, version: string, resources: readonly PackedAny[]): string | undefined {
    try {
      switch (typeUrl) {
        case TypeUrl.Listener:
          this.listeners = this.update(typeUrl, this.listeners, resources, (m) => compileListener(m, this.http));
          break;
        case TypeUrl.RouteConfiguration:
          this.routes = this.update(typeUrl, this.routes, resources, (m) => compileRouteConfiguration(m, this.http.perFilter));
          break;
        case TypeUrl.Cluster:
          this.clusters = this.update(typeUrl, this.clusters, resources, compileCluster);
          break;
        case TypeUrl.ClusterLoadAssignment:
          this.endpoints = this.update(typeUrl, this.endpoints, resources, (m) =>
            compileEndpoints(m, `endpoints ${String(m['cluster_name'])}`),
          );
          break;
        case TypeUrl.Secret:
          this.secrets = this.update(typeUrl, this.secrets, resources, compileSecret);
          break;
        default:
          return `unsupported type ${typeUrl}`;
      }
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    this.publish({ ...this.snapshot.versions, [typeUrl]: version });
    return undefined;
  }

  /** Forgets named resources no longer subscribed to, so a stale one cannot come back to life. */
  retain(wanted: Wanted): void {
    const keep = <T>(table: Table<T>, names: readonly string[]) => {
      for (const name of table.keys()) if (!names.includes(name)) table.delete(name);
    };
    keep(this.routes, wanted.routes);
    keep(this.endpoints, wanted.endpoints);
    keep(this.secrets, wanted.secrets);
  }

  wanted(): Wanted {
    const routes = new Set<string>();
    const secrets = new Set<string>();
    const endpoints = new Set<string>();
    for (const { compiled: listener } of this.listeners.values()) {
      for (const chain of listener?.chains ?? []) {
        if (chain.network.kind === 'http' && chain.network.routeConfigName) routes.add(chain.network.routeConfigName);
        if (chain.tls?.certificateSecret) secrets.add(chain.tls.certificateSecret);
        if (chain.tls?.validationSecret) secrets.add(chain.tls.validationSecret);
      }
    }
    for (const { compiled: cluster } of this.clusters.values()) {
      if (cluster.edsServiceName) endpoints.add(cluster.edsServiceName);
      if (cluster.tls?.certificateSecret) secrets.add(cluster.tls.certificateSecret);
      if (cluster.tls?.validationSecret) secrets.add(cluster.tls.validationSecret);
    }
    return { routes: [...routes].sort(), endpoints: [...endpoints].sort(), secrets: [...secrets].sort() };
  }

  /** The accepted resources as decoded messages, for /config_dump. */
  dump(): Record<string, XdsMessage[]> {
    const messages = <T>(table: Table<T>) => [...table.values()].map((entry) => entry.message);
    return {
      listeners: messages(this.listeners),
      routes: messages(this.routes),
      clusters: messages(this.clusters),
      endpoints: messages(this.endpoints),
      // Private keys never leave the proxy.
      secrets: [...this.secrets.values()].map(({ message }) => ({ name: message['name'], type: message['type'] })),
    };
  }

  private update<T>(typeUrl: string, table: Table<T>, resources: readonly PackedAny[], compile: (message: XdsMessage) => T): Table<T> {
    const next: Table<T> = WILDCARD_TYPES.has(typeUrl) ? new Map() : new Map(table);
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const resource of resources) {
      if (resource.type_url !== typeUrl) {
        problems.push(`resource of type ${resource.type_url} in a ${typeUrl} response`);
        continue;
      }
      let message: XdsMessage;
      try {
        message = unpackAny(resource);
      } catch (error) {
        problems.push(`cannot decode resource: ${(error as Error).message}`);
        continue;
      }
      const name = String(message['name'] ?? message['cluster_name'] ?? '');
      if (seen.has(name)) {
        problems.push(`duplicate resource ${name}`);
        continue;
      }
      seen.add(name);
      const previous = table.get(name);
      if (previous && sameBytes(previous.bytes, resource.value)) {
        next.set(name, previous);
        continue;
      }
      try {
        next.set(name, { bytes: resource.value, message, compiled: compile(message) });
      } catch (error) {
        problems.push(error instanceof ConfigError ? error.message : `${name}: ${(error as Error).message}`);
      }
    }
    if (problems.length > 0) throw new Error(problems.join('; '));
    return next;
  }

  private publish(versions: Record<string, string>): void {
    const configs = new Map<string, ClusterConfig>();
    for (const [name, entry] of this.clusters) configs.set(name, entry.compiled);
    const clusters = this.clusterManager.resolve(
      configs,
      (config) => config.staticEndpoints ?? this.endpoints.get(config.edsServiceName ?? '')?.compiled ?? NO_ENDPOINTS,
    );
    const listeners = new Map<string, ListenerConfig>();
    for (const [name, entry] of this.listeners) if (entry.compiled) listeners.set(name, entry.compiled);
    this.snapshot = {
      generation: this.snapshot.generation + 1,
      versions,
      listeners,
      routes: new Map([...this.routes].map(([name, entry]) => [name, entry.compiled])),
      clusters,
      secrets: new Map([...this.secrets].map(([name, entry]) => [name, entry.compiled])),
    };
  }
}
