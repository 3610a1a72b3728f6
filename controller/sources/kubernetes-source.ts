import { hostname } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  KubeConfig,
  PatchStrategy,
  makeInformer,
  setHeaderOptions,
  type Informer,
  type ObjectCache,
  type KubernetesObject,
  type V1EndpointSlice,
  type V1Namespace,
  type V1Pod,
  type V1Secret,
} from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, KIND_NAMES, KINDS, type CanaryStatus, type KindName } from '../../lib/api';
import { INJECTED_ANNOTATION, INJECTION_NAMESPACE_LABEL } from '../../lib/injection';
import type { WorkloadInstance } from '../../lib/translate';
import { KubernetesTokenVerifier } from '../ca/kubernetes-token-verifier';
import type { Controller } from '../controller';
import { ControllerErrorCode } from '../errors';
import type { Logger } from '../logger';
import type { ResourceStatus } from '../mesh-state';
import { CaRootPublisher } from './ca-root-publisher';
import { GatewayApiKubernetes } from './gateway-api-kubernetes';
import { LeaseLeaderElection } from './lease-leader-election';
import { isThrottled, throttledRetryDelayMs } from './throttled';
import { tlsSecretOf, type TlsSecret } from '../tls-secrets';

export interface KubernetesSourceOptions {
  /** This replica's name (the Lease holder identity). @default the host name */
  readonly podName: string;
  /** Where the leader Lease lives. */
  readonly namespace: string;
  /** Audiences the projected proxy tokens carry (TokenReview). */
  readonly tokenAudiences: readonly string[];
  /** A kubeconfig file. @default in-cluster config, else KUBECONFIG or ~/.kube/config */
  readonly kubeconfigFile?: string;
}

const SOURCE = 'kubernetes';
/** Gateway listeners serve these; the controller lists and watches no other Secret. */
const TLS_SECRETS = 'type=kubernetes.io/tls';
const STATUS_INTERVAL_MS = 2_000;

function podReady(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Kubernetes mode's source: informers on the mesh CRDs, Pods, EndpointSlices and `kubernetes.io/tls`
 * Secrets (what gateway listeners serve) feed the controller; the elected leader writes
 * `status.conditions` (Accepted, or Invalid with the reason) on mesh resources. Pods give the instances (IP, labels, readiness); an address an EndpointSlice
 * lists as not ready gets no traffic either.
 */
export class KubernetesSource {
  private readonly informers: Informer<KubernetesObject>[] = [];
  private readonly pods: Informer<V1Pod> & ObjectCache<V1Pod>;
  private readonly slices: Informer<V1EndpointSlice> & ObjectCache<V1EndpointSlice>;
  private readonly meshNamespaces: Informer<V1Namespace> & ObjectCache<V1Namespace>;
  private readonly tlsSecrets: Informer<V1Secret> & ObjectCache<V1Secret>;
  private readonly caRoot: CaRootPublisher;
  private readonly synced_ = new Set<string>();
  private readonly errors = new Map<string, string>();
  /** What this replica last wrote per resource, while it leads (a new term writes everything again). */
  private readonly written = new Map<string, string>();
  private canaries?: Informer<KubernetesObject> & ObjectCache<KubernetesObject>;
  /** When each resource's condition last changed its status, kept across writes as Kubernetes expects. */
  private readonly transitions = new Map<string, { readonly status: string; readonly time: string }>();
  private wasLeader = false;
  private stopped = false;
  private readonly leader: LeaseLeaderElection;
  private readonly custom: CustomObjectsApi;
  private readonly gatewayApi: GatewayApiKubernetes;
  private statusTimer?: NodeJS.Timeout;

  private constructor(
    private readonly controller: Controller,
    private readonly log: Logger,
    /** The credentials the source uses; the admin port's authorizer reviews with the same. */
    readonly kubeConfig: KubeConfig,
    options: KubernetesSourceOptions,
  ) {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const discovery = kubeConfig.makeApiClient(DiscoveryV1Api);
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
    for (const kind of KIND_NAMES) {
      const plural = KINDS[kind].plural;
      const informer = makeInformer<KubernetesObject>(kubeConfig, `/apis/${API_GROUP}/${API_VERSION}/${plural}`, () =>
        this.custom.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural }),
      );
      const upsert = (o: KubernetesObject) => {
        this.rememberTransition(kind, o);
        controller.state.upsert(SOURCE, { object: o, origin: `kubernetes ${kind}` });
      };
      if (kind === 'Canary') this.canaries = informer;
      informer.on('add', upsert);
      informer.on('update', upsert);
      informer.on('delete', (o) => controller.state.remove(SOURCE, o));
      this.track(informer, kind);
    }
    this.gatewayApi = new GatewayApiKubernetes(kubeConfig, this.custom, controller.state, log);
    this.pods = makeInformer<V1Pod>(kubeConfig, '/api/v1/pods', () => core.listPodForAllNamespaces());
    this.slices = makeInformer<V1EndpointSlice>(kubeConfig, '/apis/discovery.k8s.io/v1/endpointslices', () => discovery.listEndpointSliceForAllNamespaces());
    for (const [informer, name] of [[this.pods, 'Pod'], [this.slices, 'EndpointSlice']] as [Informer<KubernetesObject>, string][]) {
      for (const verb of ['add', 'update', 'delete'] as const) informer.on(verb, () => this.publishWorkloads());
      this.track(informer, name);
    }
    // The field selector on the watch too (the informer watches its path), so no other Secret reaches the controller.
    this.tlsSecrets = makeInformer<V1Secret>(kubeConfig, `/api/v1/secrets?fieldSelector=${encodeURIComponent(TLS_SECRETS)}`, () => core.listSecretForAllNamespaces({ fieldSelector: TLS_SECRETS }));
    for (const verb of ['add', 'update', 'delete'] as const) this.tlsSecrets.on(verb, () => this.publishTlsSecrets());
    this.track(this.tlsSecrets, 'Secret');
    // Proxies need the CA root where pods are injected: namespaces labelled for injection, and any namespace holding an injected pod.
    const injectionLabel = `${INJECTION_NAMESPACE_LABEL}=enabled`;
    this.meshNamespaces = makeInformer<V1Namespace>(kubeConfig, '/api/v1/namespaces', () => core.listNamespace({ labelSelector: injectionLabel }), injectionLabel);
    this.track(this.meshNamespaces, 'Namespace');
    this.caRoot = new CaRootPublisher({
      core,
      trustBundle: () => controller.trustBundlePem(),
      namespaces: () => this.injectedNamespaces(),
      isLeader: () => this.leader.isLeader,
      log,
    });
    this.pods.on('add', (pod) => {
      if (pod.metadata?.annotations?.[INJECTED_ANNOTATION] && pod.metadata.namespace) this.caRoot.recheck(pod.metadata.namespace);
    });
    this.leader = new LeaseLeaderElection(kubeConfig, { namespace: options.namespace, leaseName: 'meshform-controller', identity: options.podName || hostname() }, log);
  }

  static async start(controller: Controller, log: Logger, options: KubernetesSourceOptions): Promise<KubernetesSource> {
    const kubeConfig = new KubeConfig();
    if (options.kubeconfigFile) kubeConfig.loadFromFile(options.kubeconfigFile);
    else kubeConfig.loadFromDefault();
    const source = new KubernetesSource(controller, log, kubeConfig, options);
    controller.setIdentityVerifier(new KubernetesTokenVerifier(kubeConfig, options.tokenAudiences));
    await Promise.all([...source.informers.map((i) => i.start()), source.gatewayApi.start()]);
    source.leader.start();
    source.statusTimer = setInterval(() => void source.writeStatuses(), STATUS_INTERVAL_MS);
    source.statusTimer.unref();
    source.caRoot.start();
    return source;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.statusTimer);
    this.caRoot.stop();
    await this.leader.stop();
    await Promise.all([...this.informers.map((i) => i.stop()), this.gatewayApi.stop()]);
  }

  /** Whether this replica holds the Lease: it writes statuses and drives canaries. */
  get isLeader(): boolean {
    return this.leader.isLeader;
  }

  /**
   * Writes the canary driver's decision on the Canary (merged beside the Accepted condition); the
   * replicas that do not lead read the weight from there. A status the Canary already shows (as
   * this replica's informer sees it) is not written again; anything else there is overwritten.
   */
  async writeCanaryStatus(namespace: string, name: string, status: CanaryStatus): Promise<void> {
    if (!this.leader.isLeader) return;
    const stored = (this.canaries?.get(name, namespace) as { status?: Record<string, unknown> } | undefined)?.status ?? {};
    if (isDeepStrictEqual(canaryStatusOf(stored), canaryStatusOf(status))) return;
    const key = `Canary/${namespace}/${name}`;
    try {
      // A merge patch replaces lastCheck whole; a status without one must clear the old one.
      const body = { status: { lastCheck: null, ...status } };
      await this.custom.patchNamespacedCustomObjectStatus({ group: API_GROUP, version: API_VERSION, namespace, plural: KINDS.Canary.plural, name, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    } catch (error) {
      // Retried with the next decision (every second).
      if (isThrottled(error)) this.log.info({ code: ControllerErrorCode.KubernetesThrottled, resource: key }, 'API server asked to slow down; canary status deferred');
      else this.log.warn({ code: 'STATUS_WRITE_FAILED', resource: key, err: error }, 'cannot write canary status');
    }
  }

  /** Every informer has connected, and none is failing (a missing CRD, a forbidden list). */
  synced(): boolean {
    return this.synced_.size === this.informers.length && this.errors.size === 0;
  }

  problems(): Record<string, string> {
    return { ...Object.fromEntries(this.errors), ...this.gatewayApi.problems() };
  }

  private track(informer: Informer<KubernetesObject>, name: string): void {
    informer.on('connect', () => {
      this.synced_.add(name);
      this.errors.delete(name);
    });
    informer.on('error', (error) => {
      // Stopping aborts every watch; that is not a failure to report or recover from.
      if (this.stopped) return;
      if (isThrottled(error)) {
        const delay = throttledRetryDelayMs();
        this.log.info({ code: ControllerErrorCode.KubernetesThrottled, informer: name, retryInMs: delay }, 'API server asked to slow down; retrying');
        setTimeout(() => void informer.start(), delay).unref();
        return;
      }
      this.errors.set(name, String((error as Error)?.message ?? error));
      this.log.warn({ code: ControllerErrorCode.KubernetesUnavailable, informer: name, err: error }, 'informer failed; restarting in 5 s');
      setTimeout(() => void informer.start(), 5_000).unref();
    });
    this.informers.push(informer);
  }

  private *injectedNamespaces(): Iterable<string> {
    for (const ns of this.meshNamespaces.list()) if (ns.metadata?.name) yield ns.metadata.name;
    for (const pod of this.pods.list()) if (pod.metadata?.annotations?.[INJECTED_ANNOTATION] && pod.metadata.namespace) yield pod.metadata.namespace;
  }

  /** The TLS Secrets gateway listeners may serve; one that cannot be served is logged and left out. */
  private publishTlsSecrets(): void {
    const secrets: TlsSecret[] = [];
    for (const object of this.tlsSecrets.list()) {
      const read = tlsSecretOf(object, 'kubernetes Secret');
      if ('code' in read) this.log.warn({ code: read.code }, read.message);
      else secrets.push(read);
    }
    this.controller.state.setTlsSecrets(SOURCE, secrets);
  }

  private publishWorkloads(): void {
    const notReady = new Set<string>();
    for (const slice of this.slices.list()) {
      for (const endpoint of slice.endpoints ?? []) {
        if (endpoint.conditions?.ready === false) for (const a of endpoint.addresses) notReady.add(`${slice.metadata?.namespace}/${a}`);
      }
    }
    const workloads: WorkloadInstance[] = this.pods.list().flatMap((pod) => {
      const address = pod.status?.podIP;
      const namespace = pod.metadata?.namespace ?? 'default';
      if (!address || !pod.metadata?.name) return [];
      return [
        {
          name: pod.metadata.name,
          namespace,
          address,
          labels: pod.metadata.labels ?? {},
          ready: podReady(pod) && !notReady.has(`${namespace}/${address}`),
          ...(pod.spec?.nodeName ? { locality: { subZone: pod.spec.nodeName } } : {}),
        },
      ];
    });
    this.controller.state.setWorkloads(SOURCE, workloads);
  }

  /** The leader writes each resource's Accepted condition when it changed. */
  private async writeStatuses(): Promise<void> {
    const leading = this.leader.isLeader;
    // Another replica may have written in between: a new term starts from a clean slate.
    const newTerm = leading && !this.wasLeader;
    if (newTerm) this.written.clear();
    this.wasLeader = leading;
    await this.gatewayApi.writeStatuses(leading, newTerm);
    if (!leading) return;
    const statuses = this.controller.state.statuses();
    const present = new Set(statuses.map((s) => s.key));
    for (const key of [...this.written.keys()]) {
      if (present.has(key)) continue;
      // A deleted resource re-created later must get its condition again.
      this.written.delete(key);
      for (const type of CONDITION_TYPES) this.transitions.delete(`${key}|${type}`);
    }
    for (const status of statuses) {
      const conditions = conditionsOf(status, (type, value) => this.transitionTime(status.key, type, value));
      const fingerprint = `${conditions.map((c) => `${c.status}|${c.reason}|${c.message}`).join('|')}|${status.generation ?? ''}`;
      if (this.written.get(status.key) === fingerprint) continue;
      try {
        await this.patchStatus(status, conditions);
        this.written.set(status.key, fingerprint);
      } catch (error) {
        // Unwritten conditions are tried again on the next pass; a resource deleted meanwhile leaves with its delete event.
        if (isThrottled(error)) this.log.info({ code: ControllerErrorCode.KubernetesThrottled, resource: status.key }, 'API server asked to slow down; status write deferred');
        else if ((error as { code?: number }).code === 404) this.log.debug({ resource: status.key }, 'resource gone before its status was written');
        else this.log.warn({ code: 'STATUS_WRITE_FAILED', resource: status.key, err: error }, 'cannot write status');
      }
    }
  }

  /** The stored conditions (whoever led when they were written) tell when their status last changed. */
  private rememberTransition(kind: string, o: KubernetesObject): void {
    const conditions = (o as { status?: { conditions?: { type?: string; status?: string; lastTransitionTime?: string }[] } }).status?.conditions ?? [];
    for (const c of conditions) {
      if (!c.type || !CONDITION_TYPES.includes(c.type) || !c.status || !c.lastTransitionTime) continue;
      this.transitions.set(`${kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}|${c.type}`, { status: c.status, time: c.lastTransitionTime });
    }
  }

  /** The time a condition's status last flipped: now when it does, else the time already recorded. */
  private transitionTime(key: string, type: string, value: string): string {
    const known = this.transitions.get(`${key}|${type}`);
    if (known?.status === value) return known.time;
    const time = new Date().toISOString();
    this.transitions.set(`${key}|${type}`, { status: value, time });
    return time;
  }

  private async patchStatus(status: ResourceStatus, conditions: ReturnType<typeof conditionsOf>): Promise<void> {
    const plural = KINDS[status.kind as KindName]?.plural;
    if (!plural) return;
    const body = { status: { conditions } };
    const options = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    if (status.namespace) {
      await this.custom.patchNamespacedCustomObjectStatus({ group: API_GROUP, version: API_VERSION, namespace: status.namespace, plural, name: status.name, body }, options);
    } else {
      await this.custom.patchClusterCustomObjectStatus({ group: API_GROUP, version: API_VERSION, plural, name: status.name, body }, options);
    }
  }
}

/** The canary driver's fields of a Canary's status (conditions left out), comparable with another's. */
function canaryStatusOf(status: object): Partial<CanaryStatus> {
  const { phase, canaryWeight, failedChecks, lastCheck } = status as Partial<CanaryStatus>;
  return { phase, canaryWeight, failedChecks, ...(lastCheck ? { lastCheck } : {}) };
}

const CONDITION_TYPES: readonly string[] = ['Accepted', 'Programmed'];

/**
 * A resource's conditions: `Accepted` (valid, or Invalid with the reason) and `Programmed` (False
 * with reason ProxyRejected while a connected proxy NACKs configuration made from it, naming the
 * proxies, what they rejected and why; Gateway API's name for "the data plane has it").
 */
function conditionsOf(status: ResourceStatus, transitionTime: (type: string, value: string) => string) {
  const observed = status.generation !== undefined ? { observedGeneration: status.generation } : {};
  const condition = (type: string, ok: boolean, reason: string, message: string) => ({
    type,
    status: ok ? 'True' : 'False',
    reason: reason.replace(/[^A-Za-z0-9_,:]/g, '_'),
    message: message.slice(0, 32_000),
    lastTransitionTime: transitionTime(type, ok ? 'True' : 'False'),
    ...observed,
  });
  const rejected = status.rejections.map((r) => `proxy ${r.proxy} rejected ${r.type} ${r.resource}: ${r.message}`);
  return [
    condition('Accepted', status.accepted, status.accepted ? 'Accepted' : `Invalid${status.reason === 'Accepted' ? '' : `:${status.reason}`}`, status.message),
    condition('Programmed', status.programmed, status.programmed ? 'Programmed' : 'ProxyRejected', status.programmed ? 'no connected proxy rejects its configuration' : rejected.join('\n')),
  ];
}
