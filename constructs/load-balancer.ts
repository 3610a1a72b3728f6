import type { ConsistentHashSpec, LoadBalancerSpec } from '../lib/api';
import { durationString, type DurationLike } from './duration';

/** Options of a session cookie to hash on. */
export interface HashCookieOptions {
  /**
   * Lifetime of the cookie; when set, the proxy issues the cookie to clients that lack it, so
   * they stick to one endpoint.
   * @default the proxy only hashes on a cookie the client already sends
   */
  readonly ttl?: DurationLike;
  /**
   * Path of the issued cookie.
   * @default no path attribute
   */
  readonly path?: string;
}

/** What a consistent-hash load balancer hashes on, so the same client keeps reaching the same endpoint. */
export class Hash {
  /** A request header, like `x-user`. */
  static header(name: string): Hash {
    return new Hash({ header: name });
  }

  /** A cookie; with a `ttl` the proxy issues it (sticky sessions). */
  static cookie(name: string, options: HashCookieOptions = {}): Hash {
    const { ttl, path } = options;
    return new Hash({ cookie: { name, ...(ttl !== undefined ? { ttl: durationString(ttl) } : {}), ...(path !== undefined ? { path } : {}) } });
  }

  /** The client's IP address. */
  static sourceIp(): Hash {
    return new Hash({ sourceIp: true });
  }

  /** A query parameter. */
  static queryParam(name: string): Hash {
    return new Hash({ queryParam: name });
  }

  private constructor(private readonly spec: ConsistentHashSpec) {}

  /** The consistent-hash key this renders to. */
  toSpec(): ConsistentHashSpec {
    return structuredClone(this.spec);
  }
}

/** Options of a consistent-hash load balancer. */
export interface ConsistentHashOptions {
  /**
   * Hash ring implementation.
   * @default 'RingHash'
   */
  readonly algorithm?: 'RingHash' | 'Maglev';
  /**
   * Minimum number of ring entries (RingHash).
   * @default 1024
   */
  readonly minimumRingSize?: number;
}

/** Options of a least-request load balancer. */
export interface LeastRequestOptions {
  /**
   * Endpoints sampled per pick ("power of two choices").
   * @default 2
   */
  readonly choiceCount?: number;
}

/** How a caller's proxy picks an endpoint of the destination. */
export class LoadBalancer {
  /** Each endpoint in turn. */
  static roundRobin(): LoadBalancer {
    return new LoadBalancer({ type: 'RoundRobin' });
  }

  /** The endpoint with the fewest requests in flight among `choiceCount` random picks. */
  static leastRequest(options: LeastRequestOptions = {}): LoadBalancer {
    return new LoadBalancer({ type: 'LeastRequest', ...options });
  }

  /** A random endpoint. */
  static random(): LoadBalancer {
    return new LoadBalancer({ type: 'Random' });
  }

  /** The endpoint a hash of `hash` maps to, like `LoadBalancer.consistentHash(Hash.cookie('user', { ttl: '1h' }))`. */
  static consistentHash(hash: Hash, options: ConsistentHashOptions = {}): LoadBalancer {
    return new LoadBalancer({ type: 'ConsistentHash', consistentHash: { ...hash.toSpec(), ...options } });
  }

  private constructor(private readonly spec: LoadBalancerSpec) {}

  /** The load balancer this renders to. */
  toSpec(): LoadBalancerSpec {
    return structuredClone(this.spec);
  }
}
