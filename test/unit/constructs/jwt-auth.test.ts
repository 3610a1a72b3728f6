import { describe, expect, it } from 'vitest';
import { AccessPolicy, Condition, JwtAuth, Jwks, PolicyTarget, Principal } from '../../../constructs';
import { expectFinding, meshResources, reviewsService, shopChart } from './support';

const ISSUER = 'https://auth.example';

describe('JwtAuth', () => {
  it('validates tokens of an issuer and lets an AccessPolicy require a claim', () => {
    const chart = shopChart();
    const target = PolicyTarget.service(reviewsService(chart));
    new JwtAuth(chart, 'Jwt', { target, issuers: [{ issuer: ISSUER, keys: Jwks.fromUri(`${ISSUER}/jwks.json`), audiences: ['shop'], outputClaimToHeaders: [{ header: 'x-user', claim: 'sub' }] }] });
    new AccessPolicy(chart, 'Admins', { target, rules: [{ from: [Principal.jwt(ISSUER)], when: [Condition.claim('groups', ['admin'])] }] });
    expect(meshResources(chart).filter((r) => r.kind !== 'MeshService')).toMatchSnapshot();
  });

  it('accepts issuers added later, with inline keys and tokens from a cookie', () => {
    const chart = shopChart();
    new JwtAuth(chart, 'Jwt', { required: false }).addIssuer({ issuer: 'internal', keys: Jwks.inline({ keys: [] }), fromCookies: ['session'] });
    expect(meshResources(chart)[0].spec).toEqual({ targetRef: { kind: 'Namespace' }, required: false, rules: [{ issuer: 'internal', jwks: '{"keys":[]}', fromCookies: ['session'] }] });
  });

  it('waits for an issuer until synth', () => {
    const chart = shopChart();
    new JwtAuth(chart, 'Jwt');
    expect(() => meshResources(chart)).toThrow(/\[OUT_OF_RANGE\] test\/Jwt: spec\.rules has 0 entries/);
  });

  it('rejects inline keys that are not a JWKS document', () => {
    expectFinding(() => new JwtAuth(shopChart(), 'Jwt', { issuers: [{ issuer: ISSUER, keys: Jwks.inline('not json') }] }), { code: 'INVALID', where: 'test/Jwt', field: 'spec.rules[0].jwks' });
  });

  it('rejects a JWKS URI that is not a URL', () => {
    expectFinding(() => new JwtAuth(shopChart(), 'Jwt', { issuers: [{ issuer: ISSUER, keys: Jwks.fromUri('jwks.json') }] }), { code: 'BAD_FORMAT', where: 'test/Jwt', field: 'spec.rules[0].jwksUri' });
  });
});
