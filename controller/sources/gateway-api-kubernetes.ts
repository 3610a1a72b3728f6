import { isDeepStrictEqual } from 'node:util';
import { PatchStrategy, makeInformer, setHeaderOptions, type CustomObjectsApi, type Informer, type KubeConfig, type KubernetesObject, type ObjectCache } from '@kubernetes/client-node';
import { GATEWAY_API_GROUP, GATEWAY_API_KINDS, GATEWAY_CONTROLLER_NAME, type GatewayApiKind, type GatewayApiResult } from '../../lib/gateway-api';
import type { MeshResource } from '../../lib/api';
import { ControllerErrorCode } from '../errors';
import type { Logger } from '../logger';
import type { MeshState, ResourceStatus } from '../mesh-state';
import { GatewayApiFeed } from './gateway-api-feed';
import { isThrottled, throttledRetryDelayMs } from './throttled';

const SOURCE = 'kubernetes-gateway-api';
/** How often an informer whose kind is not installed looks again. */
const ABSENT_RETRY_MS = 30_000;

type Condition = { type: string; status: string; reason: string; message: string; lastTransitionTime?: string };
type StoredStatus = { conditions?: Condition[]; listeners?: { name: string; conditions?: Condition[] }[]; parents?: { controllerName?: string; parentRef?: unknown; conditions?: Condition[] }[] };

/**
 * The Gateway API in Kubernetes mode: informers on Gateways, HTTPRoutes, GRPCRoutes and
 * ReferenceGrants; every change converts them all again (lib/gateway-api) into the mesh state,
 * and the leader writes their status. The Gateway API's CRDs are optional: while a kind is not
 * installed its informer keeps looking, without making the controller unready.
 */
export class GatewayApiKubernetes {
  private readonly informers = new Map<GatewayApiKind, Informer<KubernetesObject> & ObjectCache<KubernetesObject>>();
  private readonly feed = new GatewayApiFeed();
  private results: readonly GatewayApiResult[] = [];
  private readonly failing = new Map<string, string>();
  /** What this replica last wrote per object, while it leads. */
  private readonly written = new Map<string, string>();
  private pending?: NodeJS.Immediate;
  private servicesSeen?: readonly MeshResource[];
  private stopped = false;

  constructor(
    kubeConfig: KubeConfig,
    private readonly custom: CustomObjectsApi,
    private readonly state: MeshState,
    private readonly log: Logger,
  ) {
    for (const kind of Object.keys(GATEWAY_API_KINDS) as GatewayApiKind[]) {
      const { plural, watch } = GATEWAY_API_KINDS[kind];
      const informer = makeInformer<KubernetesObject>(kubeConfig, `/apis/${GATEWAY_API_GROUP}/${watch}/${plural}`, () => custom.listClusterCustomObject({ group: GATEWAY_API_GROUP, version: watch, plural }));
      for (const verb of ['add', 'update', 'delete'] as const) informer.on(verb, () => this.later());
      informer.on('connect', () => this.failing.delete(kind));
      informer.on('error', (error) => this.retry(kind, informer, error));
      this.informers.set(kind, informer);
    }
    // Which Services exist decides BackendNotFound: convert again when the mesh's resources change.
    state.on('change', () => {
      if (state.resources() !== this.servicesSeen) this.later();
    });
  }

  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start().catch(() => undefined)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pending) clearImmediate(this.pending);
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  /** Kinds whose informer fails for a reason other than the kind not being installed. */
  problems(): Record<string, string> {
    return Object.fromEntries(this.failing);
  }

  private retry(kind: GatewayApiKind, informer: Informer<KubernetesObject>, error: unknown): void {
    if (this.stopped) return;
    const code = (error as { code?: number; statusCode?: number })?.code ?? (error as { statusCode?: number })?.statusCode;
    const absent = code === 404;
    let delay = absent ? ABSENT_RETRY_MS : 5_000;
    if (isThrottled(error)) delay = throttledRetryDelayMs();
    else if (absent) this.log.debug({ informer: kind }, 'Gateway API kind not installed; looking again later');
    else {
      this.failing.set(kind, String((error as Error)?.message ?? error));
      this.log.warn({ code: ControllerErrorCode.KubernetesUnavailable, informer: kind, err: error }, 'Gateway API informer failed; restarting in 5 s');
    }
    setTimeout(() => void informer.start().catch(() => undefined), delay).unref();
  }

  /** Coalesces a burst of events (an informer's initial list) into one conversion. */
  private later(): void {
    this.pending ??= setImmediate(() => {
      this.pending = undefined;
      this.convert();
    });
  }

  private convert(): void {
    const resources = this.state.resources();
    this.servicesSeen = resources;
    const services = new Set(resources.filter((r) => r.kind === 'MeshService' || r.kind === 'ExternalService').map((r) => `${r.metadata.namespace ?? 'default'}/${r.metadata.name}`));
    const inputs = [...this.informers.values()].flatMap((i) => i.list()).map((object) => ({ object, origin: '' }));
    const converted = this.feed.convert(inputs, (namespace, name) => services.has(`${namespace}/${name}`));
    this.results = converted.results;
    if (converted.failure) this.log.error({ code: 'GATEWAY_API_CONVERSION_FAILED' }, converted.failure);
    this.state.replaceSource(SOURCE, converted.resources);
  }

  /** The leader writes each object's status when it changed (the caller says whether this replica leads). */
  async writeStatuses(leading: boolean, newTerm: boolean): Promise<void> {
    if (newTerm) this.written.clear();
    if (!leading) return;
    const present = new Set<string>();
    const meshStatuses = new Map(this.state.statuses().map((s) => [s.key, s]));
    for (const r of this.results) {
      if (!r.status) continue;
      const key = `${r.kind}/${r.namespace}/${r.name}`;
      present.add(key);
      const status = r.kind === 'Gateway' ? programmedByMesh(r, meshStatuses) : r.status;
      const fingerprint = JSON.stringify(status);
      if (this.written.get(key) === fingerprint) continue;
      const stored = ((this.informers.get(r.kind)?.get(r.name, r.namespace) as { status?: StoredStatus } | undefined)?.status ?? {}) as StoredStatus;
      try {
        await this.patch(r, statusBody(status as StoredStatus, stored));
        this.written.set(key, fingerprint);
      } catch (error) {
        if (isThrottled(error)) this.log.info({ code: ControllerErrorCode.KubernetesThrottled, resource: key }, 'API server asked to slow down; status write deferred');
        else if ((error as { code?: number }).code === 404) this.log.debug({ resource: key }, 'object gone before its status was written');
        else this.log.warn({ code: 'STATUS_WRITE_FAILED', resource: key, err: error }, 'cannot write Gateway API status');
      }
    }
    for (const key of [...this.written.keys()]) if (!present.has(key)) this.written.delete(key);
  }

  private async patch(r: GatewayApiResult, status: Record<string, unknown>): Promise<void> {
    const { plural, watch } = GATEWAY_API_KINDS[r.kind];
    await this.custom.patchNamespacedCustomObjectStatus({ group: GATEWAY_API_GROUP, version: watch, namespace: r.namespace, plural, name: r.name, body: { status } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  }
}

/**
 * A Gateway is Programmed only while its MeshGateway is in force without findings (a listener's
 * Secret missing, a cross-check) and no connected gateway proxy rejects its configuration.
 */
function programmedByMesh(r: GatewayApiResult, meshStatuses: ReadonlyMap<string, ResourceStatus>): Record<string, unknown> {
  const problems = r.resources.flatMap((d) => {
    const s = meshStatuses.get(`${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`);
    return s && (!s.accepted || !s.programmed) ? [s.accepted ? s.rejections.map((x) => `proxy ${x.proxy} rejected ${x.type} ${x.resource}: ${x.message}`).join('\n') : s.message] : [];
  });
  if (problems.length === 0) return r.status!;
  const status = r.status as { conditions: Condition[] };
  return { ...status, conditions: status.conditions.map((c) => (c.type === 'Programmed' ? { ...c, status: 'False', reason: 'Invalid', message: problems.join('\n').slice(0, 32_000) } : c)) };
}

/** Conditions with their lastTransitionTime: the stored one while the status stays, now when it flips. */
function timed(conditions: readonly Condition[], stored: readonly Condition[] | undefined): Condition[] {
  const now = new Date().toISOString();
  return conditions.map((c) => {
    const before = stored?.find((s) => s.type === c.type);
    return { ...c, lastTransitionTime: before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : now };
  });
}

/**
 * The status to write. A route's `parents` is shared with other implementations: their entries
 * stay as stored, Meshform's are replaced (a merge patch replaces the whole list).
 */
function statusBody(status: StoredStatus, stored: StoredStatus): Record<string, unknown> {
  if (status.parents) {
    const ours = status.parents.map((p) => {
      const before = stored.parents?.find((s) => s.controllerName === GATEWAY_CONTROLLER_NAME && isDeepStrictEqual(s.parentRef, p.parentRef));
      return { ...p, conditions: timed(p.conditions ?? [], before?.conditions) };
    });
    return { parents: [...(stored.parents ?? []).filter((p) => p.controllerName !== GATEWAY_CONTROLLER_NAME), ...ours] };
  }
  return {
    conditions: timed(status.conditions ?? [], stored.conditions),
    listeners: (status.listeners ?? []).map((l) => ({ ...l, conditions: timed(l.conditions ?? [], stored.listeners?.find((s) => s.name === l.name)?.conditions) })),
  };
}
