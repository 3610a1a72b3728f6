import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { durationMs, portNumber, positiveNumber, repeatable, wholeNumber } from '../../../cli/option-values';

describe('command-line option values', () => {
  it('takes ports 0 to 65535 and refuses one past either end, a fraction or a name', () => {
    expect(portNumber('0')).toBe(0);
    expect(portNumber('65535')).toBe(65535);
    for (const bad of ['-1', '65536', '80.5', 'http', '', ' 80', '0x50']) expect(() => portNumber(bad), bad).toThrow(InvalidArgumentError);
  });

  it('takes whole numbers from 0 and refuses negatives, fractions and exponents', () => {
    expect(wholeNumber('0')).toBe(0);
    expect(wholeNumber('100')).toBe(100);
    for (const bad of ['-1', '1.5', '1e3', 'ten', '']) expect(() => wholeNumber(bad), bad).toThrow(InvalidArgumentError);
  });

  it('reads durations in milliseconds and refuses a bare number with the fix', () => {
    expect(durationMs('2s')).toBe(2000);
    expect(durationMs('1m30s')).toBe(90_000);
    expect(() => durationMs('2')).toThrow(new InvalidArgumentError('"2" is not a duration; write it like "250ms", "10s", "1m30s" or "24h"'));
  });

  it('collects a repeated option in order', () => {
    expect(repeatable('prod', repeatable('dev', undefined))).toEqual(['dev', 'prod']);
  });
});

describe('positiveNumber', () => {
  it('takes a decimal above 0 and refuses 0, signs and words', () => {
    expect(positiveNumber('0.0001')).toBe(0.0001);
    expect(positiveNumber('12')).toBe(12);
    for (const bad of ['0', '0.0', '-1', '1e3', 'x', '']) expect(() => positiveNumber(bad)).toThrow(InvalidArgumentError);
  });
});
