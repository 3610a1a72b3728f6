import type { ClusterConfig } from '../config/cluster-config';
import type { EndpointState } from './endpoint-state';
import { hash32 } from './hash';

/**
 * Picks an endpoint among `candidates` (the healthy ones, minus those a retry wants to avoid).
 * `hash` is the request's consistent-hash key when the route has hash policies.
 */
export interface LoadBalancer {
  pick(candidates: readonly EndpointState[], hash: number | undefined): EndpointState | undefined;
}

const randomIndex = (length: number) => Math.floor(Math.random() * length);

function weightedRandom(candidates: readonly EndpointState[]): EndpointState | undefined {
  let total = 0;
  for (const candidate of candidates) total += candidate.endpoint.weight;
  let point = Math.random() * total;
  for (const candidate of candidates) {
    point -= candidate.endpoint.weight;
    if (point < 0) return candidate;
  }
  return candidates[candidates.length - 1];
}

/** Smooth weighted round robin (as nginx): even spread, exact ratios, equal weights degrade to plain RR. */
class RoundRobin implements LoadBalancer {
  private readonly current = new Map<string, number>();

  pick(candidates: readonly EndpointState[]): EndpointState | undefined {
    let total = 0;
    let best: EndpointState | undefined;
    let bestScore = -Infinity;
    for (const candidate of candidates) {
      const weight = candidate.endpoint.weight;
      total += weight;
      const score = (this.current.get(candidate.address) ?? 0) + weight;
      this.current.set(candidate.address, score);
      if (score > bestScore) {
        bestScore = score;
        best = candidate;
      }
    }
    if (best) this.current.set(best.address, bestScore - total);
    return best;
  }
}

class RandomBalancer implements LoadBalancer {
  pick(candidates: readonly EndpointState[]): EndpointState | undefined {
    return weightedRandom(candidates);
  }
}

/** Power of `choices` random choices: the one with the fewest requests in flight wins. */
class LeastRequest implements LoadBalancer {
  constructor(private readonly choices: number) {}

  pick(candidates: readonly EndpointState[]): EndpointState | undefined {
    if (candidates.length <= 1) return candidates[0];
    let best = candidates[randomIndex(candidates.length)]!;
    for (let i = 1; i < this.choices; i++) {
      const other = candidates[randomIndex(candidates.length)]!;
      if (other.active < best.active) best = other;
    }
    return best;
  }
}

/**
 * Consistent hashing: a sorted table of points per endpoint; a key maps to the first point at or
 * after its hash, skipping endpoints that are not candidates so the rest of the keys stay put.
 */
class HashTable implements LoadBalancer {
  private readonly states: ReadonlyMap<string, EndpointState>;

  constructor(
    endpoints: readonly EndpointState[],
    private readonly points: Uint32Array,
    private readonly owners: readonly string[],
    private readonly sorted: boolean,
  ) {
    this.states = new Map(endpoints.map((state) => [state.address, state]));
  }

  pick(candidates: readonly EndpointState[], hash: number | undefined): EndpointState | undefined {
    if (hash === undefined || this.owners.length === 0) return weightedRandom(candidates);
    // Usually every endpoint is a candidate; only then can the lookup skip building a set.
    const allowed = candidates.length === this.states.size ? undefined : new Set(candidates);
    const start = this.sorted ? this.lowerBound(hash) : hash % this.owners.length;
    for (let i = 0; i < this.owners.length; i++) {
      const owner = this.states.get(this.owners[(start + i) % this.owners.length]!);
      if (owner && (!allowed || allowed.has(owner))) return owner;
    }
    return undefined;
  }

  private lowerBound(hash: number): number {
    let low = 0;
    let high = this.points.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.points[mid]! < hash) low = mid + 1;
      else high = mid;
    }
    return low % this.points.length;
  }
}

function ringHash(endpoints: readonly EndpointState[], minimumSize: number): HashTable {
  const totalWeight = endpoints.reduce((sum, state) => sum + state.endpoint.weight, 0) || 1;
  const entries: { point: number; owner: string }[] = [];
  for (const state of endpoints) {
    const replicas = Math.max(1, Math.ceil((minimumSize * state.endpoint.weight) / totalWeight));
    for (let i = 0; i < replicas; i++) entries.push({ point: hash32(`${state.address}_${i}`), owner: state.address });
  }
  entries.sort((a, b) => a.point - b.point);
  return new HashTable(endpoints, Uint32Array.from(entries, (e) => e.point), entries.map((e) => e.owner), true);
}

/** Maglev lookup table: each endpoint fills slots along its own permutation, in weight proportion. */
function maglev(endpoints: readonly EndpointState[], tableSize: number): HashTable {
  const owners: string[] = new Array(tableSize);
  if (endpoints.length === 0) return new HashTable(endpoints, new Uint32Array(), [], false);
  const offsets = endpoints.map((state) => hash32(`${state.address}#offset`) % tableSize);
  const skips = endpoints.map((state) => (hash32(`${state.address}#skip`) % (tableSize - 1)) + 1);
  const next = endpoints.map(() => 0);
  const maxWeight = Math.max(...endpoints.map((state) => state.endpoint.weight));
  const credit = endpoints.map(() => 0);
  let filled = 0;
  while (filled < tableSize) {
    for (let i = 0; i < endpoints.length && filled < tableSize; i++) {
      credit[i]! += endpoints[i]!.endpoint.weight / maxWeight;
      if (credit[i]! < 1) continue;
      credit[i]! -= 1;
      let slot = (offsets[i]! + next[i]! * skips[i]!) % tableSize;
      while (owners[slot] !== undefined) {
        next[i]! += 1;
        slot = (offsets[i]! + next[i]! * skips[i]!) % tableSize;
      }
      owners[slot] = endpoints[i]!.address;
      next[i]! += 1;
      filled += 1;
    }
  }
  return new HashTable(endpoints, new Uint32Array(), owners, false);
}

/** Builds the balancer for a cluster's policy over its current endpoints (once per endpoint change). */
export function createLoadBalancer(config: ClusterConfig, endpoints: readonly EndpointState[]): LoadBalancer {
  switch (config.lbPolicy) {
    case 'ROUND_ROBIN':
      return new RoundRobin();
    case 'RANDOM':
      return new RandomBalancer();
    case 'LEAST_REQUEST':
      return new LeastRequest(config.choiceCount);
    case 'RING_HASH':
      return ringHash(endpoints, config.ringSize);
    case 'MAGLEV':
      return maglev(endpoints, config.maglevTableSize);
  }
}
