import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../proxy/filters/token-bucket';

describe('token bucket', () => {
  it('starts full, empties, and refills tokens_per_fill each interval up to the maximum', () => {
    let now = 0;
    const bucket = new TokenBucket(3, 2, 1_000, () => now);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, true, false]);
    now = 999;
    expect(bucket.tryTake()).toBe(false);
    now = 1_000;
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false]);
    now = 60_000;
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, true, false]);
  });
});
