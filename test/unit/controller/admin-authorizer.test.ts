import type { V1SubjectAccessReview, V1TokenReview } from '@kubernetes/client-node';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { KubernetesAdminAuthorizer, type AccessReviewApi, type KubernetesAdminAuthorizerOptions } from '../../../controller/admin-authorizer';

const ALICE = { username: 'alice', uid: 'u-1', groups: ['ops', 'system:authenticated'], extra: { team: ['mesh'] } };

/** An API server that knows some tokens and grants `debug` to some users; counts the reviews it is sent. */
class FakeApiServer implements AccessReviewApi {
  readonly tokenReviews: V1TokenReview[] = [];
  readonly accessReviews: V1SubjectAccessReview[] = [];
  down = false;
  private release?: () => void;
  private held?: Promise<void>;

  constructor(
    private readonly users: Record<string, typeof ALICE>,
    private readonly allowed: Set<string>,
  ) {}

  /** Holds token reviews until `releaseAll` (to have several requests in flight). */
  hold(): void {
    this.held = new Promise((resolve) => (this.release = resolve));
  }

  releaseAll(): void {
    this.release?.();
  }

  async tokenReview(body: V1TokenReview): Promise<V1TokenReview> {
    this.tokenReviews.push(body);
    await this.held;
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
    const user = this.users[body.spec.token!];
    return { ...body, status: user ? { authenticated: true, user } : { authenticated: false, error: 'invalid bearer token' } };
  }

  async subjectAccessReview(body: V1SubjectAccessReview): Promise<V1SubjectAccessReview> {
    this.accessReviews.push(body);
    return { ...body, status: { allowed: this.allowed.has(body.spec.user!), ...(this.allowed.has(body.spec.user!) ? {} : { reason: 'no RBAC policy matched' }) } };
  }
}

function setup(options: Partial<KubernetesAdminAuthorizerOptions> = {}) {
  const api = new FakeApiServer({ 'alice-token': ALICE, 'bob-token': { ...ALICE, username: 'bob', uid: 'u-2' }, 'carol-token': { ...ALICE, username: 'carol', uid: 'u-3' } }, new Set(['alice', 'carol']));
  let now = 1_000_000;
  const clock = { advance: (ms: number) => (now += ms) };
  const authorizer = new KubernetesAdminAuthorizer(api, { namespace: 'meshform-system', log: pino({ level: 'silent' }), now: () => now, ...options });
  return { api, authorizer, clock };
}

describe('admin authorization (TokenReview, then SubjectAccessReview)', () => {
  it('refuses a request without a bearer token with 401, asking the API server nothing', async () => {
    const { api, authorizer } = setup();
    for (const header of [undefined, '', 'Basic YWxpY2U6cHc=', 'Bearer', 'Bearer  ']) {
      expect(await authorizer.authorize(header), String(header)).toMatchObject({ allowed: false, status: 401, code: 'ADMIN_UNAUTHENTICATED' });
    }
    expect(api.tokenReviews).toHaveLength(0);
  });

  it('refuses a token the API server does not authenticate with 401 and its reason', async () => {
    const { authorizer, api } = setup();
    const decision = await authorizer.authorize('Bearer garbage');
    expect(decision).toMatchObject({ allowed: false, status: 401, code: 'ADMIN_UNAUTHENTICATED' });
    expect(decision.allowed ? '' : decision.message).toContain('invalid bearer token');
    expect(api.accessReviews).toHaveLength(0);
  });

  it('allows a user RBAC grants the debug verb, checking exactly that user, its groups and the meshform.dev verb in the control-plane namespace', async () => {
    const { authorizer, api } = setup();
    expect(await authorizer.authorize('bearer alice-token')).toEqual({ allowed: true, user: 'alice' });
    expect(api.tokenReviews[0]!.spec).toEqual({ token: 'alice-token' });
    expect(api.accessReviews[0]!.spec).toEqual({
      user: 'alice',
      uid: 'u-1',
      groups: ['ops', 'system:authenticated'],
      extra: { team: ['mesh'] },
      resourceAttributes: { group: 'meshform.dev', resource: 'proxies', verb: 'debug', namespace: 'meshform-system' },
    });
  });

  it('refuses an authenticated user without the permission with 403 naming the missing permission and the role to bind', async () => {
    const { authorizer } = setup();
    const decision = await authorizer.authorize('Bearer bob-token');
    expect(decision).toMatchObject({ allowed: false, status: 403, code: 'ADMIN_FORBIDDEN' });
    const message = decision.allowed ? '' : decision.message;
    expect(message).toContain('bob may not "debug" "proxies.meshform.dev" in namespace meshform-system');
    expect(message).toContain('meshform-debugger');
  });

  it('answers a repeated token from its cache until the TTL, then asks again (allowed 10 s, refused 5 s)', async () => {
    const { authorizer, api, clock } = setup();
    await authorizer.authorize('Bearer alice-token');
    await authorizer.authorize('Bearer bob-token');
    clock.advance(4_999);
    expect(await authorizer.authorize('Bearer alice-token')).toMatchObject({ allowed: true });
    expect(await authorizer.authorize('Bearer bob-token')).toMatchObject({ status: 403 });
    expect(api.tokenReviews).toHaveLength(2);
    clock.advance(1);
    await authorizer.authorize('Bearer bob-token');
    expect(api.tokenReviews).toHaveLength(3);
    clock.advance(4_999);
    await authorizer.authorize('Bearer alice-token');
    expect(api.tokenReviews).toHaveLength(3);
    clock.advance(1);
    await authorizer.authorize('Bearer alice-token');
    expect(api.tokenReviews).toHaveLength(4);
  });

  it('keeps at most maxEntries decisions, dropping the oldest', async () => {
    const { authorizer, api } = setup({ maxEntries: 2 });
    await authorizer.authorize('Bearer alice-token');
    await authorizer.authorize('Bearer bob-token');
    expect(authorizer.cachedDecisions).toBe(2);
    await authorizer.authorize('Bearer carol-token');
    expect(authorizer.cachedDecisions).toBe(2);
    expect(api.tokenReviews).toHaveLength(3);
    await authorizer.authorize('Bearer bob-token');
    await authorizer.authorize('Bearer carol-token');
    expect(api.tokenReviews).toHaveLength(3);
    await authorizer.authorize('Bearer alice-token');
    expect(api.tokenReviews).toHaveLength(4);
  });

  it('sends one review pair for concurrent requests with the same token', async () => {
    const { authorizer, api } = setup();
    api.hold();
    const decisions = Promise.all([1, 2, 3].map(() => authorizer.authorize('Bearer alice-token')));
    await new Promise((r) => setImmediate(r));
    api.releaseAll();
    expect((await decisions).map((d) => d.allowed)).toEqual([true, true, true]);
    expect(api.tokenReviews).toHaveLength(1);
    expect(api.accessReviews).toHaveLength(1);
  });

  it('answers 503 when the API server cannot be reached, without caching it, and recovers', async () => {
    const { authorizer, api } = setup();
    api.down = true;
    const decision = await authorizer.authorize('Bearer alice-token');
    expect(decision).toMatchObject({ allowed: false, status: 503, code: 'ADMIN_AUTH_UNAVAILABLE' });
    expect(decision.allowed ? '' : decision.message).toContain('ECONNREFUSED');
    expect(decision.allowed ? '' : decision.message).not.toContain('alice-token');
    expect(authorizer.cachedDecisions).toBe(0);
    api.down = false;
    expect(await authorizer.authorize('Bearer alice-token')).toEqual({ allowed: true, user: 'alice' });
  });
});
