/**
 * Envoy's local rate limit bucket: starts full, gains `tokensPerFill` every `fillIntervalMs` up to
 * `maxTokens`. Refill is computed when a token is asked for, so an idle bucket costs nothing.
 */
export class TokenBucket {
  private tokens: number;
  private lastFill: number;

  constructor(
    private readonly maxTokens: number,
    private readonly tokensPerFill: number,
    private readonly fillIntervalMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = maxTokens;
    this.lastFill = now();
  }

  tryTake(): boolean {
    const now = this.now();
    const fills = Math.floor((now - this.lastFill) / this.fillIntervalMs);
    if (fills > 0) {
      this.tokens = Math.min(this.maxTokens, this.tokens + fills * this.tokensPerFill);
      this.lastFill += fills * this.fillIntervalMs;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
