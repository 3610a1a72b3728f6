import * as http from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessPolicy, Condition, Jwks, JwtAuth, MtlsMode, PolicyTarget, Principal, RateLimit, StrictMtls } from '../../../constructs';
import type { LocalMesh } from '../../../runner';
import { call, many, service, startMesh } from './local-mesh-fixture';

const ISSUER = 'https://issuer.test';
let mesh: LocalMesh;
let signer: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

beforeAll(async () => {
  const keys = await generateKeyPair('RS256');
  signer = keys.privateKey;
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'test', alg: 'RS256', use: 'sig' };
  ({ mesh } = await startMesh((chart) => {
    const strict = service(chart, 'strict');
    new StrictMtls(chart, 'strict-mtls', { target: PolicyTarget.service(strict), mode: MtlsMode.STRICT });
    const permissive = service(chart, 'permissive');
    new StrictMtls(chart, 'permissive-mtls', { target: PolicyTarget.service(permissive), mode: MtlsMode.PERMISSIVE });

    const api = service(chart, 'api');
    new AccessPolicy(chart, 'api-public', { target: PolicyTarget.service(api), rules: [{ from: [Principal.serviceAccount('web')], to: [{ methods: ['GET'], paths: ['/api/public/*'] }] }] });
    service(chart, 'other', [], { calls: [api] });

    const locked = service(chart, 'locked');
    AccessPolicy.denyAll(chart, 'locked-deny-all', { target: PolicyTarget.service(locked) });

    const secure = service(chart, 'secure');
    new JwtAuth(chart, 'secure-jwt', { target: PolicyTarget.service(secure), required: true, issuers: [{ issuer: ISSUER, keys: Jwks.inline({ keys: [jwk] }), audiences: ['shop'] }] });
    new AccessPolicy(chart, 'secure-claims', { target: PolicyTarget.service(secure), rules: [{ from: [Principal.jwt(ISSUER)], when: [Condition.claim('groups', ['admins'])] }] });

    const rated = service(chart, 'rated');
    new RateLimit(chart, 'rated-limit', { target: PolicyTarget.service(rated), tokens: 5, fillInterval: '2s' });
  }));
}, 90_000);
afterAll(() => mesh?.stop());

/** A plaintext request straight to a workload's inbound port, bypassing every sidecar. */
function direct(svc: string, path = '/x'): Promise<number | string> {
  const target = mesh.of(svc)[0]!;
  return new Promise((resolve) => {
    const req = http.get({ host: target.instanceIp, port: 9080, path, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

const token = (claims: Record<string, unknown>, issuer = ISSUER) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test' }).setIssuer(issuer).setAudience('shop').setSubject('alice').setIssuedAt().setExpirationTime('5m').sign(signer);

describe('mTLS on a local mesh', () => {
  it('refuses a plaintext request straight to a STRICT workload; the mesh path works', async () => {
    expect(await direct('strict')).not.toBe(200);
    expect((await call(mesh, 'strict', '/x')).status).toBe(200);
  });

  it("hands the caller's SPIFFE id to the server side", async () => {
    const echo = JSON.parse((await call(mesh, 'strict', '/echo')).body) as { headers: Record<string, string> };
    expect(echo.headers['x-forwarded-client-cert']).toContain('URI=spiffe://cluster.local/ns/shop/sa/web');
  });

  it('accepts both plaintext and mTLS under PERMISSIVE', async () => {
    expect(await direct('permissive')).toBe(200);
    expect((await call(mesh, 'permissive', '/x')).status).toBe(200);
  });
});

describe('authorization on a local mesh', () => {
  it('allows GET /api/public/x from sa/web and denies POST with 403', async () => {
    expect((await call(mesh, 'api', '/api/public/x')).status).toBe(200);
    expect((await call(mesh, 'api', '/api/public/x', {}, 'POST')).status).toBe(403);
    expect((await call(mesh, 'api', '/api/private/x')).status).toBe(403);
  });

  it('denies another identity', async () => {
    const viaOther = JSON.parse((await call(mesh, 'other', '/call/api/api/public/x')).body) as { call: { status: number } };
    expect(viaOther.call.status).toBe(403);
  });

  it('denies everything with deny-all', async () => {
    expect((await call(mesh, 'locked', '/x')).status).toBe(403);
  });
});

describe('JWT on a local mesh', () => {
  it('answers 401 to a missing or invalid token', async () => {
    expect((await call(mesh, 'secure', '/x')).status).toBe(401);
    expect((await call(mesh, 'secure', '/x', { authorization: 'Bearer not.a.jwt' })).status).toBe(401);
    expect((await call(mesh, 'secure', '/x', { authorization: `Bearer ${await token({ groups: ['admins'] }, 'https://evil.test')}` })).status).toBe(401);
  });

  it('lets a valid token with the right claim through and denies one without it', async () => {
    expect((await call(mesh, 'secure', '/x', { authorization: `Bearer ${await token({ groups: ['admins'] })}` })).status).toBe(200);
    expect((await call(mesh, 'secure', '/x', { authorization: `Bearer ${await token({ groups: ['users'] })}` })).status).toBe(403);
  });
});

describe('rate limiting on a local mesh', () => {
  it('answers 429 past the bucket until it refills', async () => {
    const first = await many(8, 8, () => call(mesh, 'rated', '/x'));
    expect(first.filter((r) => r.status === 200)).toHaveLength(5);
    expect(first.filter((r) => r.status === 429)).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 2_100));
    expect((await call(mesh, 'rated', '/x')).status).toBe(200);
  });
});

describe('the call guide meshform up prints', () => {
  it('shows a call each policy allows, the calls the policies deny with the policies in words, and the way through an admitted caller', async () => {
    const guide = await mesh.guide();
    const of = (svc: string) => guide.filter((c) => c.service === svc).map((c) => ({ path: new URL(c.url).pathname, status: c.status, via: c.via, why: c.why }));
    expect(of('api')).toEqual([
      { path: '/api/1', status: 403, via: undefined, why: expect.stringMatching(/^AccessPolicy shop\/\S*api-public\S* allows GET \/api\/public\/\* from service account web$/) },
      { path: '/api/public/1', status: 200, via: undefined, why: undefined },
    ]);
    expect(of('locked')).toEqual([{ path: '/locked/1', status: 403, via: undefined, why: expect.stringMatching(/^AccessPolicy shop\/\S*locked-deny-all\S* allows nothing$/) }]);
    expect(of('secure')).toEqual([{ path: '/secure/1', status: 401, via: undefined, why: expect.stringMatching(/allows any request from JWT https:\/\/issuer\.test\/\* when request\.auth\.claims\[groups\] is admins$/) }]);
    for (const open of ['strict', 'permissive', 'other']) expect(of(open)).toEqual([{ path: `/${open}/1`, status: 200, via: undefined, why: undefined }]);
  });
});
