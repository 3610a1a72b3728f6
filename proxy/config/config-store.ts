import { routeConfigOfVirtualHost, TypeUrl, typeNameOf, unpackAny, type DeltaResource, type PackedAny, type XdsMessage } from '../../lib/xds';
import type { ClusterManager } from '../cluster/cluster-manager';
import { ConfigError } from '../errors';
import { compileCluster, compileEndpoints, type ClusterConfig, type Endpoint } from './cluster-config';
import { compileListener, type HttpChainBuilder, type ListenerConfig } from './listener-config';
import { compileRouteConfigurationParts, compileRoutedHost, RouteTable, type CompiledRouteConfiguration, type RoutedHost } from './route-table';
import { EMPTY_SNAPSHOT, type ConfigSnapshot } from './snapshot';
import { compileSecret, type CompiledSecret } from './tls-config';

interface Entry<T> {
  readonly bytes: Uint8Array;
  readonly message: XdsMessage;
  readonly compiled: T;
  /** The resource's own version (delta xDS), sent back when a new stream starts. */
  readonly version?: string;
}

/** One resource of a response: state of the world names it by its message, delta by the resource too. */
interface Incoming {
  readonly resource: PackedAny | null;
  readonly name?: string;
  readonly version?: string;
}

type Table<T> = Map<string, Entry<T>>;

/** What the proxy must subscribe to by name, derived from the accepted listeners and clusters. */
export interface Wanted {
  readonly routes: readonly string[];
  readonly endpoints: readonly string[];
  readonly secrets: readonly string[];
  /** Route configurations whose virtual hosts come from VHDS (the names to subscribe to there). */
  readonly vhds: readonly string[];
}

const NO_ENDPOINTS: readonly Endpoint[] = [];
const WILDCARD_TYPES = new Set<string>([TypeUrl.Listener, TypeUrl.Cluster]);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

const asIncoming = (resources: readonly PackedAny[]): Incoming[] => resources.map((resource) => ({ resource }));

/**
 * Holds the accepted xDS resources and the snapshot compiled from them. An update is compiled in
 * full before anything changes: if any resource fails, the update is rejected with the reason and
 * the previous snapshot stays. Unchanged resources (same bytes) keep their compiled form, with any
 * state inside it (token buckets), and unchanged clusters keep their balancers. A route
 * configuration with `vhds` is one table of its own virtual hosts and those VHDS delivered for it;
 * a VHDS update rebuilds only the domain index of the tables it touches.
 */
export class ConfigStore {
  private listeners: Table<ListenerConfig | undefined> = new Map();
  private routes: Table<CompiledRouteConfiguration> = new Map();
  /** VHDS virtual hosts by name, of every route configuration. */
  private virtualHosts: Table<RoutedHost> = new Map();
  /** The routes' tables, VHDS virtual hosts included; rebuilt only for what changed. */
  private routeTables = new Map<string, RouteTable>();
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

  /** Applies one state-of-the-world response; returns the NACK reason, or undefined when accepted. */
  apply(typeUrl: string, version: string, resources: readonly PackedAny[]): string | undefined {
    return this.accept(typeUrl, version, () => {
      const incoming = asIncoming(resources);
      switch (typeUrl) {
        case TypeUrl.Listener:
          this.listeners = this.update(typeUrl, this.listeners, incoming, (m) => compileListener(m, this.http));
          return true;
        case TypeUrl.RouteConfiguration: {
          const routes = this.update(typeUrl, this.routes, incoming, (m) => compileRouteConfigurationParts(m, this.http.perFilter));
          const changed = [...routes].filter(([name, entry]) => this.routes.get(name) !== entry).map(([name]) => name);
          this.routeTables = this.tablesFor(changed, routes, this.virtualHosts);
          this.routes = routes;
          return true;
        }
        case TypeUrl.Cluster:
          this.clusters = this.update(typeUrl, this.clusters, incoming, compileCluster);
          return true;
        case TypeUrl.ClusterLoadAssignment:
          this.endpoints = this.update(typeUrl, this.endpoints, incoming, (m) => compileEndpoints(m, `endpoints ${String(m['cluster_name'])}`));
          return true;
        case TypeUrl.Secret:
          this.secrets = this.update(typeUrl, this.secrets, incoming, compileSecret);
          return true;
        default:
          return false;
      }
    });
  }

  /**
   * Applies one VHDS (delta) response, all or nothing: the virtual hosts added or changed, those
   * removed, and the tables of their route configurations. Returns the NACK reason, or undefined.
   */
  applyVirtualHosts(version: string, resources: readonly DeltaResource[], removed: readonly string[]): string | undefined {
    return this.accept(TypeUrl.VirtualHost, version, () => {
      const compile = (message: XdsMessage): RoutedHost => {
        const resource = `virtual host ${String(message['name'])}`;
        if (!routeConfigOfVirtualHost(String(message['name']))) throw new ConfigError(resource, 'a VHDS virtual host is named <route configuration>/<host>');
        return compileRoutedHost(message, resource, this.http.perFilter);
      };
      const virtualHosts = this.update(TypeUrl.VirtualHost, this.virtualHosts, resources, compile, removed);
      const touched = new Set([...removed, ...resources.map(({ name }) => name)].map(routeConfigOfVirtualHost));
      this.routeTables = this.tablesFor(touched, this.routes, virtualHosts);
      this.virtualHosts = virtualHosts;
      return true;
    });
  }

  /** The VHDS virtual hosts held, name → version, for a new stream's initial_resource_versions. */
  virtualHostVersions(): Record<string, string> {
    return Object.fromEntries([...this.virtualHosts].map(([name, entry]) => [name, entry.version ?? '']));
  }

  /** Forgets named resources no longer subscribed to, so a stale one cannot come back to life. */
  retain(wanted: Wanted): void {
    const keep = (table: Map<string, unknown>, names: readonly string[]) => {
      for (const name of table.keys()) if (!names.includes(name)) table.delete(name);
    };
    keep(this.routes, wanted.routes);
    keep(this.routeTables, wanted.routes);
    keep(this.endpoints, wanted.endpoints);
    keep(this.secrets, wanted.secrets);
    for (const name of this.virtualHosts.keys()) if (!wanted.vhds.includes(routeConfigOfVirtualHost(name))) this.virtualHosts.delete(name);
  }

  wanted(): Wanted {
    const routes = new Set<string>();
    const secrets = new Set<string>();
    const endpoints = new Set<string>();
    for (const { compiled: listener } of this.listeners.values()) {
      for (const chain of listener?.chains ?? []) {
        if (chain.network.kind === 'http' && chain.network.routeConfigName) routes.add(chain.network.routeConfigName);
        for (const name of chain.tls?.certificateSecrets ?? []) secrets.add(name);
        if (chain.tls?.validationSecret) secrets.add(chain.tls.validationSecret);
      }
    }
    for (const { compiled: cluster } of this.clusters.values()) {
      if (cluster.edsServiceName) endpoints.add(cluster.edsServiceName);
      if (cluster.tls?.certificateSecret) secrets.add(cluster.tls.certificateSecret);
      if (cluster.tls?.validationSecret) secrets.add(cluster.tls.validationSecret);
    }
    const vhds = [...routes].filter((name) => this.routes.get(name)?.compiled.vhds);
    return { routes: [...routes].sort(), endpoints: [...endpoints].sort(), secrets: [...secrets].sort(), vhds: vhds.sort() };
  }

  /**
   * Whether everything the listeners and clusters name has been accepted: route configurations
   * (until then VHDS has nothing to subscribe to), cluster load assignments and secrets, as Envoy
   * warms a listener until its RDS and SDS and a cluster until its EDS and SDS arrive. Before, a
   * request could meet a cluster with no endpoints yet (503) or a listener with no certificate.
   */
  warmed(): boolean {
    const wanted = this.wanted();
    return wanted.routes.every((name) => this.routes.has(name)) && wanted.endpoints.every((name) => this.endpoints.has(name)) && wanted.secrets.every((name) => this.secrets.has(name));
  }

  /** The accepted resources as decoded messages, for /config_dump. */
  dump(): Record<string, XdsMessage[]> {
    const messages = <T>(table: Table<T>) => [...table.values()].map((entry) => entry.message);
    return {
      listeners: messages(this.listeners),
      routes: messages(this.routes),
      virtualHosts: messages(this.virtualHosts),
      clusters: messages(this.clusters),
      endpoints: messages(this.endpoints),
      // Private keys never leave the proxy.
      secrets: [...this.secrets.values()].map(({ message }) => ({ name: message['name'], type: message['type'] })),
    };
  }

  /** Runs one update (false: a type this store does not hold) and publishes it, or returns why not. */
  private accept(typeUrl: string, version: string, change: () => boolean): string | undefined {
    try {
      if (!change()) return `unsupported type ${typeUrl}`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    this.publish({ ...this.snapshot.versions, [typeUrl]: version });
    return undefined;
  }

  private update<T>(
    typeUrl: string,
    table: Table<T>,
    incoming: readonly Incoming[],
    compile: (message: XdsMessage) => T,
    removed: readonly string[] = [],
  ): Table<T> {
    const next: Table<T> = WILDCARD_TYPES.has(typeUrl) ? new Map() : new Map(table);
    for (const name of removed) next.delete(name);
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const { resource, name: resourceName, version } of incoming) {
      if (!resource) {
        problems.push(`resource ${resourceName ?? ''} without a message`);
        continue;
      }
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
      if (resourceName !== undefined && resourceName !== name) {
        problems.push(`resource ${resourceName} holds ${typeNameOf(typeUrl)} ${name}`);
        continue;
      }
      if (seen.has(name)) {
        problems.push(`duplicate resource ${name}`);
        continue;
      }
      seen.add(name);
      const previous = table.get(name);
      if (previous && sameBytes(previous.bytes, resource.value)) {
        next.set(name, previous.version === version ? previous : { ...previous, ...(version !== undefined ? { version } : {}) });
        continue;
      }
      try {
        next.set(name, { bytes: resource.value, message, compiled: compile(message), ...(version !== undefined ? { version } : {}) });
      } catch (error) {
        problems.push(error instanceof ConfigError ? error.message : `${name}: ${(error as Error).message}`);
      }
    }
    if (problems.length > 0) throw new Error(problems.join('; '));
    return next;
  }

  /** The route tables with those of `names` rebuilt from their compiled parts; throws when a domain clashes. */
  private tablesFor(names: Iterable<string>, routes: Table<CompiledRouteConfiguration>, virtualHosts: Table<RoutedHost>): Map<string, RouteTable> {
    const tables = new Map(this.routeTables);
    const problems: string[] = [];
    for (const name of names) {
      const route = routes.get(name)?.compiled;
      // VHDS virtual hosts of a configuration not held (yet) wait for it.
      if (!route) continue;
      const delivered = route.vhds ? [...virtualHosts].filter(([host]) => routeConfigOfVirtualHost(host) === name).map(([, entry]) => entry.compiled) : [];
      try {
        tables.set(name, new RouteTable(name, [...route.virtualHosts, ...delivered]));
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    if (problems.length > 0) throw new Error(problems.join('; '));
    return tables;
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
      routes: new Map(this.routeTables),
      clusters,
      secrets: new Map([...this.secrets].map(([name, entry]) => [name, entry.compiled])),
    };
  }
}
