import { describe, expect, it } from 'vitest';
import { Cancellation } from '../../../proxy/http/cancellation';

describe('Cancellation', () => {
  it('runs the callback being watched, once, and only the latest one', () => {
    const cancel = new Cancellation();
    const calls: string[] = [];
    cancel.watch(() => calls.push('first attempt'));
    cancel.watch(() => calls.push('second attempt'));
    cancel.cancel();
    cancel.cancel();
    expect(calls).toEqual(['second attempt']);
    expect(cancel.cancelled).toBe(true);
  });

  it('runs a callback watched after the cancel at once', () => {
    const cancel = new Cancellation();
    cancel.cancel();
    let ran = false;
    cancel.watch(() => (ran = true));
    expect(ran).toBe(true);
  });

  it('forgets a callback that stopped watching, but not one that replaced it', () => {
    const cancel = new Cancellation();
    const calls: string[] = [];
    const wait = () => calls.push('backoff wait');
    cancel.watch(wait);
    cancel.unwatch(wait);
    cancel.cancel();
    expect(calls).toEqual([]);

    const other = new Cancellation();
    const stale = () => calls.push('stale');
    other.watch(stale);
    other.watch(() => calls.push('current'));
    other.unwatch(stale);
    other.cancel();
    expect(calls).toEqual(['current']);
  });
});
