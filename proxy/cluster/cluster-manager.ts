import type { ClusterConfig, Endpoint } from '../config/cluster-config';
import { ClusterState, UpstreamCluster, type ClusterEvents } from './upstream-cluster';

const DEFAULT_PANIC_THRESHOLD = 50;

/**
 * Owns the run-time state of every cluster across snapshots. Given a snapshot's cluster configs
 * and endpoint sets it returns UpstreamClusters, reusing the previous one when neither changed,
 * so balancers and hash rings are rebuilt only when their inputs change.
 */
export class ClusterManager {
  private readonly states = new Map<string, ClusterState>();
  private readonly built = new Map<string, { config: ClusterConfig; endpoints: readonly Endpoint[]; cluster: UpstreamCluster }>();

  constructor(private readonly events: ClusterEvents) {}

  resolve(
    configs: ReadonlyMap<string, ClusterConfig>,
    endpointsOf: (config: ClusterConfig) => readonly Endpoint[],
  ): ReadonlyMap<string, UpstreamCluster> {
    const result = new Map<string, UpstreamCluster>();
    for (const [name, config] of configs) {
      const endpoints = endpointsOf(config);
      const previous = this.built.get(name);
      if (previous && previous.config === config && previous.endpoints === endpoints) {
        result.set(name, previous.cluster);
        continue;
      }
      let state = this.states.get(name);
      if (!state) {
        state = new ClusterState(name);
        this.states.set(name, state);
      }
      const cluster = new UpstreamCluster(config, endpoints, state, this.events, DEFAULT_PANIC_THRESHOLD);
      this.built.set(name, { config, endpoints, cluster });
      result.set(name, cluster);
    }
    for (const [name, state] of this.states) {
      if (configs.has(name)) continue;
      // Requests still running on an older snapshot keep their sockets; only idle ones close.
      this.states.delete(name);
      this.built.delete(name);
      state.retire();
    }
    return result;
  }

  close(): void {
    for (const state of this.states.values()) state.close();
    this.states.clear();
    this.built.clear();
  }
}
