import { createHash } from 'node:crypto';
import { AuthenticationV1Api, AuthorizationV1Api, type KubeConfig, type V1SubjectAccessReview, type V1TokenReview } from '@kubernetes/client-node';
import { DEBUG_ACCESS, DEBUGGER_CLUSTER_ROLE } from '../lib/rbac';
import { ControllerErrorCode } from './errors';
import type { Logger } from './logger';

/** Whether a request to `/debug/*` may proceed; when not, the HTTP status and why. */
export type AdminDecision =
  | { readonly allowed: true; readonly user: string }
  | { readonly allowed: false; readonly status: 401 | 403 | 503; readonly code: ControllerErrorCode; readonly message: string };

/** Decides on the `Authorization` header of an admin request. */
export interface AdminAuthorizer {
  authorize(authorization: string | undefined): Promise<AdminDecision>;
}

/** The two API calls the authorizer makes, so tests can stand in for the API server. */
export interface AccessReviewApi {
  tokenReview(body: V1TokenReview): Promise<V1TokenReview>;
  subjectAccessReview(body: V1SubjectAccessReview): Promise<V1SubjectAccessReview>;
}

export interface KubernetesAdminAuthorizerOptions {
  /** The control plane's namespace: DEBUG_ACCESS is checked there, so a RoleBinding in it grants access too. */
  readonly namespace: string;
  readonly log: Logger;
  /** How long an allowed token stays allowed without asking again. @default 10 s */
  readonly allowTtlMs?: number;
  /** How long a refused token (401, 403) stays refused. @default 5 s */
  readonly denyTtlMs?: number;
  /** Decisions kept; the oldest goes first. @default 1000 */
  readonly maxEntries?: number;
  /** The clock (tests). @default Date.now */
  readonly now?: () => number;
}

interface Cached {
  readonly decision: AdminDecision;
  readonly expires: number;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The reviews through @kubernetes/client-node with the controller's own credentials. */
export function accessReviewApi(kubeConfig: KubeConfig): AccessReviewApi {
  const authentication = kubeConfig.makeApiClient(AuthenticationV1Api);
  const authorization = kubeConfig.makeApiClient(AuthorizationV1Api);
  return {
    tokenReview: (body) => authentication.createTokenReview({ body }),
    subjectAccessReview: (body) => authorization.createSubjectAccessReview({ body }),
  };
}

/**
 * Kubernetes mode's guard of `/debug/*`, as the kubelet and metrics-server guard theirs: the bearer
 * token goes to a TokenReview (who is it?) and then a SubjectAccessReview (may they `debug`
 * `proxies.meshform.dev`?). Decisions are cached by token hash for a few seconds, bounded in number,
 * so a dashboard polling every second costs the API server a review pair per TTL, and concurrent
 * requests with one token share one review. An API server that cannot be reached gives 503, never
 * cached and never thrown.
 */
export class KubernetesAdminAuthorizer implements AdminAuthorizer {
  private readonly cache = new Map<string, Cached>();
  private readonly inFlight = new Map<string, Promise<AdminDecision>>();
  private readonly allowTtlMs: number;
  private readonly denyTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly api: AccessReviewApi,
    private readonly options: KubernetesAdminAuthorizerOptions,
  ) {
    this.allowTtlMs = options.allowTtlMs ?? 10_000;
    this.denyTtlMs = options.denyTtlMs ?? 5_000;
    this.maxEntries = options.maxEntries ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** Decisions cached now (tests, and a bound check). */
  get cachedDecisions(): number {
    return this.cache.size;
  }

  async authorize(authorization: string | undefined): Promise<AdminDecision> {
    const token = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
    if (!token) {
      return refuse(401, ControllerErrorCode.AdminUnauthenticated, '/debug/* needs "Authorization: Bearer <token>" with a Kubernetes token (meshform debug sends your kubeconfig\'s)');
    }
    const key = createHash('sha256').update(token).digest('base64url');
    const cached = this.cache.get(key);
    if (cached && cached.expires > this.now()) return cached.decision;
    if (cached) this.cache.delete(key);
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const review = this.review(token).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, review);
    const decision = await review;
    if (decision.allowed || decision.status !== 503) this.remember(key, decision);
    return decision;
  }

  private remember(key: string, decision: AdminDecision): void {
    while (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { decision, expires: this.now() + (decision.allowed ? this.allowTtlMs : this.denyTtlMs) });
  }

  private async review(token: string): Promise<AdminDecision> {
    const { apiGroup, resource, verb } = DEBUG_ACCESS;
    const { namespace } = this.options;
    try {
      const tokenReview = await this.api.tokenReview({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
      const user = tokenReview.status?.authenticated ? tokenReview.status.user : undefined;
      if (!user?.username) {
        return refuse(401, ControllerErrorCode.AdminUnauthenticated, `the API server did not accept the bearer token${tokenReview.status?.error ? ` (${tokenReview.status.error})` : ''}; use a current token of your kubeconfig user or ServiceAccount`);
      }
      const access = await this.api.subjectAccessReview({
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username,
          ...(user.uid ? { uid: user.uid } : {}),
          ...(user.groups ? { groups: user.groups } : {}),
          ...(user.extra ? { extra: user.extra } : {}),
          resourceAttributes: { group: apiGroup, resource, verb, namespace },
        },
      });
      if (access.status?.allowed) return { allowed: true, user: user.username };
      return refuse(
        403,
        ControllerErrorCode.AdminForbidden,
        `${user.username} may not "${verb}" "${resource}.${apiGroup}" in namespace ${namespace}${access.status?.reason ? ` (${access.status.reason})` : ''}; bind ClusterRole ${DEBUGGER_CLUSTER_ROLE} to them with a ClusterRoleBinding, or a RoleBinding in ${namespace}`,
      );
    } catch (err) {
      this.options.log.warn({ code: ControllerErrorCode.AdminAuthUnavailable, err }, 'cannot review an admin request with the API server');
      return refuse(503, ControllerErrorCode.AdminAuthUnavailable, `the API server could not review the token (${err instanceof Error ? err.message : String(err)}); retry shortly`);
    }
  }
}

function refuse(status: 401 | 403 | 503, code: ControllerErrorCode, message: string): AdminDecision {
  return { allowed: false, status, code, message };
}
