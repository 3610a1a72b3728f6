import { Duration } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { PolicyTarget, RateLimit } from '../../../constructs';
import { expectFinding, meshResources, reviewsService, shopChart } from './support';

describe('RateLimit', () => {
  it('limits a service to 100 tokens per 60s', () => {
    const chart = shopChart();
    new RateLimit(chart, 'ReviewsLimit', { target: PolicyTarget.service(reviewsService(chart)), tokens: 100, fillInterval: Duration.seconds(60), response: { status: 503 } });
    expect(meshResources(chart)).toMatchSnapshot();
  });

  it.each([0, 1_000_001])('rejects %s tokens', (tokens) => {
    expectFinding(() => new RateLimit(shopChart(), 'Limit', { tokens, fillInterval: '1s' }), { code: 'OUT_OF_RANGE', where: 'test/Limit', field: 'spec.local.tokens' });
  });

  it.each(['49ms', '25h'])('rejects a fill interval of %s', (fillInterval) => {
    expectFinding(() => new RateLimit(shopChart(), 'Limit', { tokens: 10, fillInterval }), { code: 'OUT_OF_RANGE', where: 'test/Limit', field: 'spec.local.fillInterval' });
  });

  it('rejects more tokens per fill than the bucket holds', () => {
    expectFinding(() => new RateLimit(shopChart(), 'Limit', { tokens: 10, tokensPerFill: 11, fillInterval: '1s' }), { code: 'INVALID', where: 'test/Limit', field: 'spec.local.tokensPerFill' });
  });

  it('reports at synth a limit on a route rule that does not exist', () => {
    const chart = shopChart();
    new RateLimit(chart, 'Limit', { target: PolicyTarget.service(reviewsService(chart)), route: 'checkout', tokens: 10, fillInterval: '1s' });
    expect(() => meshResources(chart)).toThrow(/\[UNKNOWN_ROUTE\] test\/Limit: spec\.route is "checkout"/);
  });
});
