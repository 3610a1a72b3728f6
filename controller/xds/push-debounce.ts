export interface PushDebounceOptions {
  /** Quiet time that ends a burst (Istio: 100 ms). */
  readonly quietMs: number;
  /** Longest a change waits while a burst goes on (Istio: 10 s); keeps a steady stream of changes from starving pushes. */
  readonly maxMs: number;
}

/**
 * When to rebuild and push after changes. A change after a quiet spell (nothing changed for
 * `quietMs`) is pushed at once, on the next turn of the event loop so that changes made together
 * go together: waiting would only add latency, since nothing suggests more is coming. A change
 * within `quietMs` of the previous one is part of a burst: the burst is pushed once it has been
 * quiet for `quietMs`, or `maxMs` after its first unpushed change. A burst thus costs two pushes
 * (its first change and the rest), not one per change.
 */
export class PushDebounce {
  private timer?: NodeJS.Timeout;
  private lastChangeAt = Number.NEGATIVE_INFINITY;
  /** When the first change not pushed yet happened. */
  private pendingSince: number | undefined;
  private immediate = false;

  constructor(
    private readonly options: PushDebounceOptions,
    private readonly push: (changedAt: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  changed(): void {
    const now = this.now();
    const quiet = now - this.lastChangeAt >= this.options.quietMs;
    this.lastChangeAt = now;
    // A push due on the next turn reads the state then: it takes this change along.
    if (this.immediate) return;
    this.pendingSince ??= now;
    clearTimeout(this.timer);
    this.immediate = quiet;
    const wait = quiet ? 0 : Math.max(0, Math.min(this.options.quietMs, this.pendingSince + this.options.maxMs - now));
    this.timer = setTimeout(() => this.fire(), wait);
  }

  /** Takes over the pending changes (the caller pushes them now): when the first happened, if any. */
  take(): number | undefined {
    clearTimeout(this.timer);
    this.immediate = false;
    const since = this.pendingSince;
    this.pendingSince = undefined;
    return since;
  }

  private fire(): void {
    const since = this.take();
    if (since !== undefined) this.push(since);
  }
}
