/**
 * Cancels what a request has in flight upstream once its downstream has gone (or a mirror's time
 * is up). The request path's stand-in for AbortController: an AbortController is an EventTarget
 * with listener bookkeeping, built for every request even though nearly none is ever cancelled;
 * this holds one callback, replaced by each attempt or backoff wait as it starts.
 */
export class Cancellation {
  private onCancel: (() => void) | undefined;
  private done = false;

  get cancelled(): boolean {
    return this.done;
  }

  /** What to do on cancel, replacing the last; runs at once if already cancelled. */
  watch(onCancel: () => void): void {
    if (this.done) onCancel();
    else this.onCancel = onCancel;
  }

  /** Forgets the callback (the attempt or wait it stood for is over). */
  unwatch(onCancel: () => void): void {
    if (this.onCancel === onCancel) this.onCancel = undefined;
  }

  cancel(): void {
    if (this.done) return;
    this.done = true;
    const onCancel = this.onCancel;
    this.onCancel = undefined;
    onCancel?.();
  }
}
