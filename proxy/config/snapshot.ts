import type { UpstreamCluster } from '../cluster/upstream-cluster';
import type { ListenerConfig } from './listener-config';
import type { RouteTable } from './route-table';
import type { CompiledSecret } from './tls-config';

/**
 * One immutable, fully compiled view of the proxy's config. A request takes the current snapshot
 * when it starts and uses it to the end, so a config change never affects a request in flight.
 */
export interface ConfigSnapshot {
  /** Increases by one with every accepted update. */
  readonly generation: number;
  /** The accepted version of each resource type, by type URL. */
  readonly versions: Readonly<Record<string, string>>;
  readonly listeners: ReadonlyMap<string, ListenerConfig>;
  readonly routes: ReadonlyMap<string, RouteTable>;
  readonly clusters: ReadonlyMap<string, UpstreamCluster>;
  readonly secrets: ReadonlyMap<string, CompiledSecret>;
}

export const EMPTY_SNAPSHOT: ConfigSnapshot = {
  generation: 0,
  versions: {},
  listeners: new Map(),
  routes: new Map(),
  clusters: new Map(),
  secrets: new Map(),
};
