import { describe, expect, it } from 'vitest';
import { knobsFromEnv, shouldFail, updateKnobs } from '../../../examples/demo-services';

describe('demo service knobs', () => {
  it('fails exactly the next N requests, then none', () => {
    const knobs = knobsFromEnv({ FAIL_NEXT: '2' });
    expect([1, 2, 3, 4].map(() => shouldFail(knobs, () => 0.99))).toEqual([true, true, false, false]);
  });

  it('fails a share of requests by failureRate', () => {
    const knobs = knobsFromEnv({ FAILURE_RATE: '0.3' });
    expect(shouldFail(knobs, () => 0.29)).toBe(true);
    expect(shouldFail(knobs, () => 0.3)).toBe(false);
  });

  it('rejects unknown knobs and out-of-range values', () => {
    const knobs = knobsFromEnv({});
    expect(() => updateKnobs(knobs, { latency: 5 })).toThrow(/unknown knob "latency"/);
    expect(() => updateKnobs(knobs, { failureRate: 1.5 })).toThrow(/between 0 and 1/);
    expect(() => updateKnobs(knobs, { latencyMs: -1 })).toThrow(/>= 0/);
    expect(updateKnobs(knobs, { latencyMs: '25' }).latencyMs).toBe(25);
  });
});
