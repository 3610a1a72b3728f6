import { ApiObject, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { Backend, CanaryRoute, LoadBalancer, Match, ServiceRef, TrafficPolicy, TrafficRoute, validateMesh } from '../../../constructs';
import { reviewsService, shopChart } from './support';

describe('validateMesh', () => {
  it('finds nothing in a consistent mesh', () => {
    const chart = shopChart();
    new CanaryRoute(chart, 'Route', { service: reviewsService(chart), stable: 'v1', canary: 'v2' });
    expect(validateMesh(chart)).toEqual([]);
  });

  it('names each cross-resource finding by the construct that renders the resource', () => {
    const chart = shopChart();
    const reviews = reviewsService(chart);
    new TrafficPolicy(chart, 'Lb', { service: reviews, version: 'v7', loadBalancer: LoadBalancer.random() });
    new TrafficRoute(chart, 'Route', { service: reviews, port: 8080, rules: [{ backends: [Backend.version('v1')] }] });
    expect(validateMesh(chart).map(({ code, where, field }) => ({ code, where, field }))).toEqual([
      { code: 'UNKNOWN_PORT', where: 'test/Route', field: 'spec.service.port' },
      { code: 'UNKNOWN_VERSION', where: 'test/Lb', field: 'spec.service.version' },
    ]);
  });

  it('reports two routes claiming the same service and match', () => {
    const chart = shopChart();
    const reviews = reviewsService(chart);
    const byJason = { matches: [Match.header('end-user', 'jason')], backends: [Backend.version('v2')] };
    new TrafficRoute(chart, 'One', { service: reviews, rules: [byJason] });
    new TrafficRoute(chart, 'Two', { service: reviews, rules: [byJason] });
    expect(validateMesh(chart)).toMatchObject([{ code: 'DUPLICATE_ROUTE_MATCH', where: 'test/Two', field: 'spec.rules[0].matches' }]);
  });

  it('checks mesh resources written as plain ApiObjects too, by their own path', () => {
    const chart = shopChart();
    new ApiObject(chart, 'RawRoute', { apiVersion: 'meshform.dev/v1alpha1', kind: 'TrafficRoute', metadata: { name: 'raw' }, spec: { service: { name: 'nowhere' }, rules: [{ backends: [{ weight: 100 }] }] } });
    new TrafficRoute(chart, 'Route', { service: ServiceRef.fromName('somewhere'), rules: [{ backends: [Backend.version('v1')] }] });
    expect(validateMesh(chart).map((f) => f.where)).toEqual(['test/RawRoute', 'test/Route']);
  });

  it('includes each resource\'s own findings', () => {
    const chart = shopChart();
    new TrafficRoute(chart, 'Route', { service: reviewsService(chart) });
    expect(validateMesh(chart)).toMatchObject([{ code: 'OUT_OF_RANGE', where: 'test/Route', field: 'spec.rules' }]);
  });

  it('fails cdk8s synth with the findings, once per chart', () => {
    const chart = shopChart();
    new TrafficRoute(chart, 'Route', { service: ServiceRef.fromName('nowhere'), rules: [{ backends: [Backend.version('v1')] }] });
    new TrafficRoute(chart, 'Other', { service: ServiceRef.fromName('nowhere'), rules: [{ matches: [Match.method('GET')], backends: [Backend.version('v1')] }] });
    let message = '';
    try {
      Testing.synth(chart);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.match(/UNKNOWN_SERVICE/g)).toHaveLength(2);
  });
});
