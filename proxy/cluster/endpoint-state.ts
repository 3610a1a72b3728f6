import type { Endpoint } from '../config/cluster-config';

/**
 * What the proxy knows about one endpoint at run time. It outlives config snapshots (keyed by
 * address), so a config push neither forgets an ejection nor resets least-request counts.
 */
export class EndpointState {
  active = 0;
  consecutive5xx = 0;
  consecutiveGatewayFailures = 0;
  /** Epoch ms until which the endpoint is ejected; 0 when it is not. */
  ejectedUntil = 0;
  ejections = 0;
  totalRequests = 0;
  totalFailures = 0;

  constructor(public endpoint: Endpoint) {}

  get address(): string {
    return this.endpoint.address;
  }

  isEjected(now: number): boolean {
    return this.ejectedUntil > now;
  }
}
