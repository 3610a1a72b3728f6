import { describe, expect, it } from 'vitest';
import { ratesBetween } from '../../../lib/dashboard';
import { buckets, requests } from './dashboard-fixtures';

describe('rates between two scrapes', () => {
  it("divides each counter's delta by the window and drops what did not move", () => {
    const before = [requests('inbound', { response_code: '200' }, 100), requests('inbound', { response_code: '503' }, 7)];
    const after = [requests('inbound', { response_code: '200' }, 130), requests('inbound', { response_code: '503' }, 7)];
    expect(ratesBetween(before, after, 3)).toEqual([requests('inbound', { response_code: '200' }, 10)]);
  });

  it('counts the whole value of a counter that went down (the sidecar restarted) and of a series new since the last scrape', () => {
    const before = [requests('inbound', { response_code: '200' }, 500)];
    const after = [requests('inbound', { response_code: '200' }, 6), requests('inbound', { response_code: '404' }, 3)];
    expect(ratesBetween(before, after, 3)).toEqual([requests('inbound', { response_code: '200' }, 2), requests('inbound', { response_code: '404' }, 1)]);
  });

  it('keeps latency buckets that did not move: the empty bucket below the first full one bounds the p99 interpolation', () => {
    const before = buckets('inbound', {}, [['0.1', 5], ['0.25', 5], ['+Inf', 5]]);
    const after = buckets('inbound', {}, [['0.1', 5], ['0.25', 9], ['+Inf', 9]]);
    expect(ratesBetween(before, after, 1).map((s) => [s.labels.le, s.value])).toEqual([
      ['0.1', 0],
      ['0.25', 4],
      ['+Inf', 4],
    ]);
  });

  it('keeps only the request counts and latency buckets', () => {
    const other = { name: 'meshform_upstream_retries_total', labels: { cluster: 'x' }, value: 9 };
    expect(ratesBetween([], [other], 1)).toEqual([]);
  });
});
