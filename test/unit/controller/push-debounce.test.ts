import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PushDebounce } from '../../../controller/xds/push-debounce';

describe('push debounce', () => {
  let pushes: number[];
  let debounce: PushDebounce;
  beforeEach(() => {
    vi.useFakeTimers();
    pushes = [];
    debounce = new PushDebounce({ quietMs: 100, maxMs: 1000 }, (changedAt) => pushes.push(changedAt));
  });
  afterEach(() => vi.useRealTimers());

  it('pushes a change after a quiet spell on the next turn, with the changes made in the same turn', () => {
    debounce.changed();
    debounce.changed();
    expect(pushes).toHaveLength(0);
    vi.advanceTimersByTime(0);
    expect(pushes).toHaveLength(1);
  });

  it('gathers the rest of a burst into one push once it has been quiet', () => {
    debounce.changed();
    vi.advanceTimersByTime(0);
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(30);
      debounce.changed();
    }
    vi.advanceTimersByTime(99);
    expect(pushes).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(pushes).toHaveLength(2);
  });

  it('pushes a burst that never quietens at least once per maximum wait, dated by its first unpushed change', () => {
    debounce.changed();
    vi.advanceTimersByTime(0);
    const firstPending = Date.now() + 50;
    for (let i = 0; i < 30; i++) {
      vi.advanceTimersByTime(50);
      debounce.changed();
    }
    expect(pushes.length).toBeGreaterThanOrEqual(2);
    expect(pushes[1]).toBe(firstPending);
  });

  it('hands pending changes to whoever pushes them now, and then pushes nothing more for them', () => {
    debounce.changed();
    vi.advanceTimersByTime(0);
    vi.advanceTimersByTime(10);
    debounce.changed();
    expect(debounce.take()).toBe(Date.now());
    vi.advanceTimersByTime(1000);
    expect(pushes).toHaveLength(1);
  });
});
