import { Duration, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { Backend, FaultInjection, Match, MeshService, Retry, ServiceRef, Timeout, TrafficMirror, TrafficRoute } from '../../../constructs';
import { expectFinding, meshResources, resourceOf, reviewsService, shopChart } from './support';

const reviews = ServiceRef.fromName('reviews');

describe('TrafficRoute', () => {
  it('renders matches, weighted backends, retries, timeout, fault and mirror', () => {
    const chart = shopChart();
    const svc = reviewsService(chart);
    new TrafficRoute(chart, 'ReviewsRoute', {
      service: svc,
      port: 9080,
      rules: [
        {
          name: 'api',
          matches: [Match.all(Match.pathPrefix('/api'), Match.method('GET'), Match.header('x-beta', 'yes')), Match.pathRegex('^/v[0-9]+/reviews$')],
          backends: [Backend.version('v2')],
          timeout: Timeout.of(Duration.seconds(10)),
          retry: Retry.on('gateway-error', 'connect-failure', 'refused-stream').attempts(3).perTryTimeout('2s').backoff('25ms', '250ms'),
          mirror: TrafficMirror.to(svc, { version: 'v3', percent: 10 }),
          requestHeaders: { set: { 'x-route': 'api' } },
        },
        {
          backends: [Backend.version('v1', 50), Backend.version('v2', 50)],
          fault: FaultInjection.delay('5s', { percent: 10 }).and(FaultInjection.abort(500, { percent: 10 })),
        },
      ],
    });
    expect(meshResources(chart)).toMatchSnapshot();
  });

  it('renders every kind of match', () => {
    const matches = [
      Match.pathExact('/health'),
      Match.pathPrefix('/API', { ignoreCase: true }),
      Match.headerPrefix('user-agent', 'curl/'),
      Match.headerRegex('x-tenant', 't-[0-9]+'),
      Match.headerPresent('x-debug'),
      Match.headerAbsent('x-internal'),
      Match.cookie('user', 'premium'),
      Match.cookieRegex('session', '[a-f0-9]{32}'),
      Match.queryParam('test', 'true'),
      Match.queryParamRegex('page', '[0-9]+'),
      Match.queryParamPresent('debug'),
      Match.method('DELETE'),
    ];
    expect(matches.map((m) => m.toSpec())).toMatchSnapshot();
  });

  it('accepts rules added after construction and renders them in order', () => {
    const chart = shopChart();
    const route = new TrafficRoute(chart, 'Route', { service: reviewsService(chart) });
    route.addRule({ matches: [Match.header('end-user', 'jason')], backends: [Backend.version('v2')] }).addRule({ backends: [Backend.version('v1')] });
    expect(resourceOf(chart, 'TrafficRoute').spec.rules.map((r: any) => r.backends[0].version)).toEqual(['v2', 'v1']);
  });

  it('renders redirects and direct responses without backends', () => {
    const chart = shopChart();
    new MeshService(chart, 'reviews-legacy', { namespace: 'legacy', ports: [{ port: 8080 }] });
    new TrafficRoute(chart, 'Route', {
      service: reviewsService(chart),
      rules: [
        { matches: [Match.pathPrefix('/old')], redirect: { path: '/new', statusCode: 301 } },
        { matches: [Match.pathExact('/teapot')], directResponse: { status: 418, body: 'short and stout' } },
        { backends: [Backend.service(ServiceRef.fromName('reviews-legacy', { namespace: 'legacy' }), { port: 8080 })] },
      ],
    });
    expect(resourceOf(chart, 'TrafficRoute').spec.rules).toMatchSnapshot();
  });

  it('rejects a rule whose weights add up to 110, naming the route and the field', () => {
    const chart = shopChart();
    const route = new TrafficRoute(chart, 'ReviewsRoute', { service: reviews });
    const finding = expectFinding(() => route.addRule({ backends: [Backend.version('v1', 90), Backend.version('v3', 20)] }), {
      code: 'WEIGHTS_SUM',
      where: 'test/ReviewsRoute',
      field: 'spec.rules[0].backends',
    });
    expect(finding.limit).toBe('= 100');
  });

  it('rejects a per-try timeout longer than the rule timeout', () => {
    expectFinding(
      () => new TrafficRoute(shopChart(), 'Route', { service: reviews, rules: [{ backends: [Backend.version('v1')], timeout: Timeout.of('1s'), retry: Retry.on('5xx').perTryTimeout('2s') }] }),
      { code: 'PER_TRY_EXCEEDS_TIMEOUT', where: 'test/Route', field: 'spec.rules[0].retry.perTryTimeout' },
    );
  });

  it('rejects retry attempts at 11 and accepts 0 and 10', () => {
    const route = (attempts: number) => () => new TrafficRoute(shopChart(), 'Route', { service: reviews, rules: [{ backends: [Backend.version('v1')], retry: Retry.on('5xx').attempts(attempts) }] });
    expect(route(0)).not.toThrow();
    expect(route(10)).not.toThrow();
    expectFinding(route(11), { code: 'OUT_OF_RANGE', where: 'test/Route', field: 'spec.rules[0].retry.attempts' });
    expectFinding(route(-1), { code: 'OUT_OF_RANGE', where: 'test/Route', field: 'spec.rules[0].retry.attempts' });
  });

  it('rejects a fault percent of 101 and -1', () => {
    for (const percent of [101, -1]) {
      expectFinding(() => new TrafficRoute(shopChart(), 'Route', { service: reviews, rules: [{ backends: [Backend.version('v1')], fault: FaultInjection.abort(503, { percent }) }] }), {
        code: 'OUT_OF_RANGE',
        where: 'test/Route',
        field: 'spec.rules[0].fault.abort.percent',
      });
    }
  });

  it('rejects a timeout that is not a duration', () => {
    expectFinding(() => new TrafficRoute(shopChart(), 'Route', { service: reviews, rules: [{ backends: [Backend.version('v1')], timeout: Timeout.of('ten seconds') }] }), {
      code: 'BAD_FORMAT',
      where: 'test/Route',
      field: 'spec.rules[0].timeout',
    });
  });

  it('waits for rules until synth, then reports a route without any', () => {
    const chart = shopChart();
    const route = new TrafficRoute(chart, 'Route', { service: reviews });
    expect(route.findings()).toMatchObject([{ code: 'OUT_OF_RANGE', where: 'test/Route', field: 'spec.rules' }]);
    expect(() => Testing.synth(chart)).toThrow(/\[OUT_OF_RANGE\] test\/Route: spec\.rules has 0 entries/);
  });
});

describe('Match', () => {
  it('combines header, cookie and query conditions with Match.all', () => {
    expect(Match.all(Match.header('a', '1'), Match.header('b', '2'), Match.cookie('c', '3'), Match.queryParam('d', '4')).toSpec()).toEqual({
      headers: [
        { name: 'a', type: 'Exact', value: '1' },
        { name: 'b', type: 'Exact', value: '2' },
      ],
      cookies: [{ name: 'c', type: 'Exact', value: '3' }],
      queryParams: [{ name: 'd', type: 'Exact', value: '4' }],
    });
  });

  it('rejects two paths in one Match.all', () => {
    expectFinding(() => Match.all(Match.pathPrefix('/a'), Match.pathExact('/b')), { code: 'CONFLICTING_MATCH', where: 'Match.all', field: 'path' });
  });

  it('rejects two methods in one Match.all', () => {
    expectFinding(() => Match.all(Match.method('GET'), Match.method('POST')), { code: 'CONFLICTING_MATCH', where: 'Match.all', field: 'method' });
  });
});

describe('Retry', () => {
  it('is immutable: each step returns a new policy', () => {
    const base = Retry.on('5xx');
    base.attempts(5);
    expect(base.toSpec()).toEqual({ retryOn: ['5xx'] });
    expect(Retry.none().toSpec()).toEqual({ attempts: 0 });
    expect(Retry.on('5xx').budget({ retryRatio: 0.1 }).toSpec()).toEqual({ retryOn: ['5xx'], budget: { retryRatio: 0.1 } });
  });
});
