import { describe, expect, it } from 'vitest';
import { ratesBetween } from '../../../lib/dashboard';
import { requests } from './dashboard-fixtures';

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

  it('keeps only the request counts and latency buckets', () => {
    const other = { name: 'meshform_upstream_retries_total', labels: { cluster: 'x' }, value: 9 };
    expect(ratesBetween([], [other], 1)).toEqual([]);
  });
});
