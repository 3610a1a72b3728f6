import { describe, expect, it } from 'vitest';
import { AccessAction, AccessPolicy, Condition, PolicyTarget, Principal } from '../../../constructs';
import { expectFinding, meshResources, resourceOf, reviewsService, shopChart } from './support';

describe('AccessPolicy', () => {
  it('allows GET /api/public/* from sa/web', () => {
    const chart = shopChart();
    new AccessPolicy(chart, 'ReviewsAccess', {
      target: PolicyTarget.service(reviewsService(chart)),
      rules: [{ from: [Principal.serviceAccount('web')], to: [{ methods: ['GET'], paths: ['/api/public/*'] }] }],
    });
    expect(meshResources(chart)).toMatchSnapshot();
  });

  it('builds rules over identities, namespaces, JWT subjects, ports and claims', () => {
    const chart = shopChart();
    const reviews = reviewsService(chart);
    new AccessPolicy(chart, 'Deny', { target: PolicyTarget.service(reviews), action: AccessAction.DENY })
      .addRule({ from: [Principal.namespace('untrusted'), Principal.spiffe('cluster.local/ns/legacy/*')] })
      .addRule({ from: [Principal.jwt('https://auth.example', 'mallory')], to: [{ ports: [9080], notPaths: ['/health'] }] })
      .addRule({ from: [Principal.anyAuthenticated()], when: [Condition.claim(['realm_access', 'roles'], ['admin']).negate(), Condition.header('x-env', ['prod']), Condition.sourceNamespace(['shop'])] });
    new AccessPolicy(chart, 'Audit', { target: PolicyTarget.service(reviews), action: AccessAction.AUDIT, rules: [{ from: [Principal.service(reviews)] }] });
    expect(meshResources(chart).filter((r) => r.kind === 'AccessPolicy')).toMatchSnapshot();
  });

  it('denies everything with denyAll: an ALLOW policy with no rules', () => {
    const chart = shopChart();
    AccessPolicy.denyAll(chart, 'DenyAll');
    expect(resourceOf(chart, 'AccessPolicy').spec).toEqual({ targetRef: { kind: 'Namespace' }, action: 'ALLOW', rules: [] });
  });

  it('rejects a claim name that breaks the condition key', () => {
    const policy = new AccessPolicy(shopChart(), 'Access');
    expectFinding(() => policy.addRule({ when: [Condition.claim('groups]', ['admin'])] }), { code: 'BAD_FORMAT', where: 'test/Access', field: 'spec.rules[0].when[0].key' });
  });

  it('rejects 17 operations in one rule', () => {
    expectFinding(() => new AccessPolicy(shopChart(), 'Access', { rules: [{ to: Array.from({ length: 17 }, () => ({ methods: ['GET' as const] })) }] }), {
      code: 'OUT_OF_RANGE',
      where: 'test/Access',
      field: 'spec.rules[0].to',
    });
  });

  it('reports at synth a policy naming an unknown service', () => {
    const chart = shopChart();
    new AccessPolicy(chart, 'Access', { target: PolicyTarget.service({ name: 'nowhere' }) });
    expect(() => meshResources(chart)).toThrow(/\[UNKNOWN_SERVICE\] test\/Access: spec\.targetRef\.name names service "shop\/nowhere"/);
  });
});
