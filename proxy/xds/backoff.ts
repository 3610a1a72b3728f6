/**
 * Exponential backoff with "full jitter": each delay is uniform in [cap/2, cap] where cap doubles
 * from `initialMs` up to `maxMs`, so a fleet of proxies does not reconnect in lockstep.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const cap = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt += 1;
    return cap / 2 + (this.random() * cap) / 2;
  }

  reset(): void {
    this.attempt = 0;
  }
}
