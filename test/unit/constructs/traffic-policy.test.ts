import { Duration } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, Hash, LoadBalancer, ServiceRef, TrafficPolicy } from '../../../constructs';
import { expectFinding, meshResources, resourceOf, reviewsService, shopChart } from './support';

const reviews = ServiceRef.fromName('reviews');

describe('CircuitBreaker', () => {
  it('renders Istio-style connection pool limits and outlier detection with least-request balancing', () => {
    const chart = shopChart();
    new CircuitBreaker(chart, 'ReviewsCircuitBreaker', {
      service: reviewsService(chart),
      loadBalancer: LoadBalancer.leastRequest(),
      connectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 50, http2MaxRequests: 1000 } },
      outlierDetection: { consecutive5xxErrors: 5, interval: '30s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
    });
    expect(meshResources(chart)).toMatchSnapshot();
  });

  it('rejects a circuit breaker with neither connection pool nor outlier detection', () => {
    expectFinding(() => new CircuitBreaker(shopChart(), 'Breaker', { service: reviews }), { code: 'CIRCUIT_BREAKER_EMPTY', where: 'test/Breaker', field: 'connectionPool' });
  });

  it.each([101, -1])('rejects maxEjectionPercent %s', (maxEjectionPercent) => {
    expectFinding(() => new CircuitBreaker(shopChart(), 'Breaker', { service: reviews, outlierDetection: { consecutive5xxErrors: 5, maxEjectionPercent } }), {
      code: 'OUT_OF_RANGE',
      where: 'test/Breaker',
      field: 'spec.outlierDetection.maxEjectionPercent',
    });
  });

  it.each([0, 2_147_483_648])('rejects maxConnections %s', (maxConnections) => {
    expectFinding(() => new CircuitBreaker(shopChart(), 'Breaker', { service: reviews, connectionPool: { tcp: { maxConnections } } }), {
      code: 'OUT_OF_RANGE',
      where: 'test/Breaker',
      field: 'spec.connectionPool.tcp.maxConnections',
    });
  });

  it.each([1001, -1])('rejects consecutive5xxErrors %s', (consecutive5xxErrors) => {
    expectFinding(() => new CircuitBreaker(shopChart(), 'Breaker', { service: reviews, outlierDetection: { consecutive5xxErrors } }), {
      code: 'OUT_OF_RANGE',
      where: 'test/Breaker',
      field: 'spec.outlierDetection.consecutive5xxErrors',
    });
  });
});

describe('TrafficPolicy', () => {
  it('renders a cookie consistent hash with TTL and a retry budget for one version', () => {
    const chart = shopChart();
    new TrafficPolicy(chart, 'Sessions', {
      service: reviewsService(chart),
      version: 'v2',
      loadBalancer: LoadBalancer.consistentHash(Hash.cookie('session', { ttl: Duration.hours(1), path: '/' })),
      retryBudget: { retryRatio: 0.2, minRetriesPerSecond: 10, ttl: '10s' },
    });
    expect(resourceOf(chart, 'TrafficPolicy')).toMatchSnapshot();
  });

  it('renders every load balancer and hash key', () => {
    expect(
      [
        LoadBalancer.roundRobin(),
        LoadBalancer.random(),
        LoadBalancer.leastRequest({ choiceCount: 3 }),
        LoadBalancer.consistentHash(Hash.header('x-user')),
        LoadBalancer.consistentHash(Hash.sourceIp(), { algorithm: 'Maglev' }),
        LoadBalancer.consistentHash(Hash.queryParam('user'), { minimumRingSize: 2048 }),
      ].map((lb) => lb.toSpec()),
    ).toMatchSnapshot();
  });

  it('rejects a policy that sets nothing', () => {
    expectFinding(() => new TrafficPolicy(shopChart(), 'Empty', { service: reviews }), { code: 'INVALID', where: 'test/Empty', field: 'spec' });
  });

  it.each([1, 101])('rejects a least-request choiceCount of %s', (choiceCount) => {
    expectFinding(() => new TrafficPolicy(shopChart(), 'Lb', { service: reviews, loadBalancer: LoadBalancer.leastRequest({ choiceCount }) }), {
      code: 'OUT_OF_RANGE',
      where: 'test/Lb',
      field: 'spec.loadBalancer.choiceCount',
    });
  });

  it('rejects a hash cookie TTL below 1s', () => {
    expectFinding(() => new TrafficPolicy(shopChart(), 'Lb', { service: reviews, loadBalancer: LoadBalancer.consistentHash(Hash.cookie('user', { ttl: '999ms' })) }), {
      code: 'OUT_OF_RANGE',
      where: 'test/Lb',
      field: 'spec.loadBalancer.consistentHash.cookie.ttl',
    });
  });

  it('rejects a retry budget ratio above 1', () => {
    expectFinding(() => new TrafficPolicy(shopChart(), 'Budget', { service: reviews, retryBudget: { retryRatio: 1.1 } }), {
      code: 'OUT_OF_RANGE',
      where: 'test/Budget',
      field: 'spec.retryBudget.retryRatio',
    });
  });
});
