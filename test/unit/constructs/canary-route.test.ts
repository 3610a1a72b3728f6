import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { Backend, Canary, CanaryRoute, Match, MeshService, Retry, ServiceRef, Timeout, TrafficRoute } from '../../../constructs';
import { expectFinding, meshResources, resourceOf, reviewsService, shopChart } from './support';

describe('CanaryRoute', () => {
  it('splits 90/10 and sends the header canary, jason and premium users to chosen versions', () => {
    const chart = shopChart();
    const reviews = reviewsService(chart);
    new CanaryRoute(chart, 'ReviewsRoute', {
      service: reviews,
      stable: 'v1',
      canary: 'v3',
      canaryWeight: 10,
      canaryMatches: [Match.header('canary', 'true'), Match.cookie('user', 'premium')],
      timeout: Timeout.of('10s'),
      retry: Retry.on('gateway-error', 'connect-failure', 'refused-stream').attempts(3).perTryTimeout('2s'),
    }).addRule({ name: 'jason', matches: [Match.header('end-user', 'jason')], backends: [Backend.version('v2')] });
    expect(meshResources(chart)).toMatchSnapshot();
  });

  it('splits 75/25 with canaryWeight 25', () => {
    const chart = shopChart();
    new CanaryRoute(chart, 'Route', { service: reviewsService(chart), stable: 'v1', canary: 'v2', canaryWeight: 25 });
    expect(resourceOf(chart, 'TrafficRoute').spec.rules).toEqual([{ name: 'canary-split', backends: [{ version: 'v1', weight: 75 }, { version: 'v2', weight: 25 }] }]);
  });

  it('sends 10% to the canary by default', () => {
    const chart = shopChart();
    expect(new CanaryRoute(chart, 'Route', { service: reviewsService(chart), stable: 'v1', canary: 'v2' }).canaryWeight).toBe(10);
  });

  it('keeps query-param rules added later between the canary matches and the split', () => {
    const chart = shopChart();
    new CanaryRoute(chart, 'Route', { service: reviewsService(chart), stable: 'v1', canary: 'v3', canaryMatches: [Match.header('canary', 'true')] }).addRule({
      name: 'test',
      matches: [Match.queryParam('test', 'true')],
      backends: [Backend.version('v2')],
    });
    expect(resourceOf(chart, 'TrafficRoute').spec.rules.map((r: any) => r.name)).toEqual(['canary-match', 'test', 'canary-split']);
  });

  it('renders a progressive Canary named after the route, starting at weight 0', () => {
    const chart = shopChart();
    const route = new CanaryRoute(chart, 'ReviewsRoute', {
      service: reviewsService(chart),
      stable: 'v1',
      canary: 'v3',
      analysis: { interval: '1m', stepWeight: 10, maxWeight: 50, threshold: 5, successRateMin: 99, latencyP99Max: '500ms' },
    });
    expect(route.canaryWeight).toBe(0);
    expect(route.progressive).toBeInstanceOf(Canary);
    expect(resourceOf(chart, 'Canary')).toMatchSnapshot();
  });

  it('accepts canaryWeight 0 and 100', () => {
    for (const canaryWeight of [0, 100]) {
      const chart = shopChart();
      expect(() => new CanaryRoute(chart, 'Route', { service: reviewsService(chart), stable: 'v1', canary: 'v2', canaryWeight })).not.toThrow();
    }
  });

  it.each([-1, 101, 12.5])('rejects canaryWeight %s, naming the route and canaryWeight', (canaryWeight) => {
    const finding = expectFinding(() => new CanaryRoute(shopChart(), 'ReviewsRoute', { service: ServiceRef.fromName('reviews'), stable: 'v1', canary: 'v2', canaryWeight }), {
      code: 'OUT_OF_RANGE',
      where: 'test/ReviewsRoute',
      field: 'canaryWeight',
    });
    expect(finding.limit).toBe('0..100');
  });

  it('rejects a canary that is the stable version', () => {
    expectFinding(() => new CanaryRoute(shopChart(), 'ReviewsRoute', { service: ServiceRef.fromName('reviews'), stable: 'v1', canary: 'v1' }), {
      code: 'SAME_VERSION',
      where: 'test/ReviewsRoute',
      field: 'canary',
    });
  });

  it('rejects an analysis step above its max weight, naming the Canary', () => {
    expectFinding(
      () => new CanaryRoute(shopChart(), 'ReviewsRoute', { service: ServiceRef.fromName('reviews'), stable: 'v1', canary: 'v2', analysis: { stepWeight: 60, maxWeight: 50 } }),
      { code: 'INVALID', where: 'test/ReviewsRoute/Canary', field: 'spec.analysis.stepWeight' },
    );
  });

  it.each([0, 101])('rejects an analysis stepWeight of %s', (stepWeight) => {
    expectFinding(() => new CanaryRoute(shopChart(), 'Route', { service: ServiceRef.fromName('reviews'), stable: 'v1', canary: 'v2', analysis: { stepWeight, maxWeight: 100 } }), {
      code: 'OUT_OF_RANGE',
      where: 'test/Route/Canary',
      field: 'spec.analysis.stepWeight',
    });
  });

  it('reports at synth a canary version the service does not have', () => {
    const chart = shopChart();
    new CanaryRoute(chart, 'ReviewsRoute', { service: reviewsService(chart), stable: 'v1', canary: 'v9' });
    expect(() => Testing.synth(chart)).toThrow(/\[UNKNOWN_VERSION\] test\/ReviewsRoute: spec\.rules\[0\]\.backends\[1\]\.version is "v9"/);
  });
});

describe('Canary', () => {
  it('drives an existing TrafficRoute with every analysis default', () => {
    const chart = shopChart();
    const reviews = reviewsService(chart);
    const route = new TrafficRoute(chart, 'ReviewsRoute', { service: reviews, rules: [{ backends: [Backend.version('v1', 100), Backend.version('v2', 0)] }] });
    new Canary(chart, 'ReviewsCanary', { service: reviews, route, stableVersion: 'v1', canaryVersion: 'v2' });
    expect(resourceOf(chart, 'Canary')).toMatchSnapshot();
  });

  it('reports at synth a canary of a route that routes another service', () => {
    const chart = shopChart();
    const reviews = reviewsService(chart);
    const ratings = new MeshService(chart, 'ratings', { ports: [{ port: 9080 }] });
    const route = new TrafficRoute(chart, 'RatingsRoute', { service: ratings, rules: [{ backends: [Backend.service(ratings)] }] });
    new Canary(chart, 'ReviewsCanary', { service: reviews, route, stableVersion: 'v1', canaryVersion: 'v2' });
    expect(() => Testing.synth(chart)).toThrow(/\[CANARY_ROUTE_MISMATCH\] test\/ReviewsCanary: spec\.route/);
  });
});
