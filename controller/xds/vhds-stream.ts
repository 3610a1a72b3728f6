import type { EnvoyMessage, ProxyIdentity } from '../../lib/translate';
import { routeConfigOfVirtualHost, TypeUrl, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse, type DeltaResource } from '../../lib/xds';
import type { Logger } from '../logger';
import type { ControllerMetrics } from '../metrics';
import { noteNack, rejectedNames, replyStateOf, type Nack, type ReplyListener, type ReplyState, type TypeDump } from './proxy-stream';
import { versionOf, type TypeResources, type VersionedResource } from './snapshot';

/** What a proxy holds of a resource: its version (a content hash), and the message when it came from here. */
type HeldEntry = { readonly hash: string; readonly message?: EnvoyMessage };
type Held = ReadonlyMap<string, HeldEntry>;

/** What a response in flight changed: the names it carried, and what the proxy held of those it removed. */
interface Sent {
  readonly carried: readonly string[];
  readonly removed: readonly (readonly [string, HeldEntry])[];
}

/** One delta response's content, shared by every proxy that goes from the same set to the same set. */
export interface VhdsDelta {
  readonly version: string;
  readonly resources: readonly DeltaResource[];
  readonly removed: readonly string[];
  /** The names of `resources`. */
  readonly names: readonly string[];
}

const SHORT = 'VHDS';
const MAX_IN_FLIGHT = 8;
const MAX_SELECTIONS = 64;
const NOTHING_HELD: Held = new Map();

/** The virtual hosts of a snapshot's map a subscription selects, by map and subscription, so alike proxies share one. */
const selections = new WeakMap<TypeResources, Map<string, TypeResources>>();
/** Delta content by (what was held, what is wanted): a change computed once for all proxies making it. */
const deltas = new WeakMap<Held, WeakMap<TypeResources, VhdsDelta>>();
const deltaResources = new WeakMap<VersionedResource, DeltaResource>();
const versions = new WeakMap<TypeResources, string>();

function select(all: TypeResources, routeConfigs: ReadonlySet<string>, names: ReadonlySet<string>, key: string): TypeResources {
  let byKey = selections.get(all);
  if (!byKey) selections.set(all, (byKey = new Map()));
  let selected = byKey.get(key);
  if (!selected) {
    selected = new Map([...all].filter(([name]) => routeConfigs.has(routeConfigOfVirtualHost(name)) || names.has(name)));
    // Subscriptions come from proxies: a map lives one generation, but bound what one can hold.
    if (byKey.size >= MAX_SELECTIONS) byKey.clear();
    byKey.set(key, selected);
  }
  return selected;
}

function deltaResource(resource: VersionedResource): DeltaResource {
  let delta = deltaResources.get(resource);
  if (!delta) deltaResources.set(resource, (delta = { name: resource.name, version: resource.hash, resource: resource.packed }));
  return delta;
}

function setVersion(wanted: TypeResources): string {
  let version = versions.get(wanted);
  if (version === undefined) versions.set(wanted, (version = versionOf([...wanted.values()])));
  return version;
}

function deltaOf(held: Held, wanted: TypeResources): VhdsDelta {
  let byWanted = deltas.get(held);
  if (!byWanted) deltas.set(held, (byWanted = new WeakMap()));
  let delta = byWanted.get(wanted);
  if (!delta) {
    const resources: DeltaResource[] = [];
    for (const [name, resource] of wanted) if (held.get(name)?.hash !== resource.hash) resources.push(deltaResource(resource));
    const removed = [...held.keys()].filter((name) => !wanted.has(name));
    delta = { version: setVersion(wanted), resources, removed, names: resources.map((r) => r.name) };
    byWanted.set(wanted, delta);
  }
  return delta;
}

/**
 * One proxy's VHDS stream (Envoy's delta xDS for virtual hosts, beside its ADS stream): it sends
 * the virtual hosts of the route configurations the proxy subscribed to (a route configuration's
 * name subscribes to all of its virtual hosts, Envoy's namespace subscription; a full
 * `<route configuration>/<host>` name to that one), then only those that changed and the names of
 * those removed. Every request that subscribes gets an answer, possibly empty, so a proxy knows it
 * has the initial set. A NACK leaves the proxy on what it had: the rejected virtual hosts are sent
 * again with the next change.
 */
export class VhdsStream {
  private readonly routeConfigs = new Set<string>();
  private readonly names = new Set<string>();
  private subscriptionKey = '';
  private all: TypeResources | undefined;
  private held: Held = NOTHING_HELD;
  /** Subscriptions that came before the first snapshot: the first update answers each (a proxy counts its answers). */
  private answersOwed = 0;
  private nonceCounter = 0;
  private nonce?: string;
  private sentVersion?: string;
  private ackedVersion?: string;
  private nack?: Nack;
  /** What the last responses changed, by nonce, to undo on a NACK (a proxy replies to each, in order). */
  private readonly inFlight = new Map<string, Sent>();

  constructor(
    readonly connectionId: string,
    readonly proxy: ProxyIdentity,
    private readonly send: (response: DeltaDiscoveryResponse) => void,
    private readonly log: Logger,
    private readonly metrics?: ControllerMetrics,
    private readonly onReply?: ReplyListener,
  ) {}

  handleRequest(request: DeltaDiscoveryRequest): void {
    if (request.type_url !== TypeUrl.VirtualHost) {
      this.log.warn({ code: 'VHDS_WRONG_TYPE', proxy: this.proxy.id, typeUrl: request.type_url }, 'a VHDS stream serves only virtual hosts; request ignored');
      return;
    }
    if (request.response_nonce) this.recordReply(request);
    const initial = request.initial_resource_versions ?? {};
    if (Object.keys(initial).length > 0) this.held = new Map(Object.entries(initial).map(([name, hash]) => [name, { hash }]));
    const subscribe = request.resource_names_subscribe ?? [];
    const unsubscribe = request.resource_names_unsubscribe ?? [];
    for (const name of unsubscribe) (name.includes('/') ? this.names : this.routeConfigs).delete(name);
    for (const name of subscribe) (name.includes('/') ? this.names : this.routeConfigs).add(name);
    if (subscribe.length + unsubscribe.length === 0) return;
    this.subscriptionKey = JSON.stringify([[...this.routeConfigs].sort(), [...this.names].sort()]);
    if (unsubscribe.length > 0) this.held = new Map([...this.held].filter(([name]) => this.wants(name)));
    if (subscribe.length > 0) this.respond(true);
  }

  /** Takes the virtual hosts of a new snapshot and sends what changed of those subscribed. */
  update(all: TypeResources | undefined, changedAt?: number): void {
    this.all = all;
    const owed = this.answersOwed;
    this.answersOwed = 0;
    for (let i = 0; i < Math.max(1, owed); i++) this.respond(owed > 0, changedAt);
  }

  /** The version ACKed and the standing NACK, without the resources. */
  replyState(): ReplyState {
    return replyStateOf({ ackedVersion: this.ackedVersion, nack: this.nack });
  }

  dump(): TypeDump {
    return {
      subscribed: [...this.routeConfigs, ...this.names],
      ...(this.sentVersion !== undefined ? { sentVersion: this.sentVersion } : {}),
      ...(this.ackedVersion !== undefined ? { ackedVersion: this.ackedVersion } : {}),
      ...(this.nonce !== undefined ? { nonce: this.nonce } : {}),
      ...(this.nack ? { nack: this.nack } : {}),
      resources: [...this.held.values()].flatMap((r) => (r.message ? [r.message] : [])),
    };
  }

  private wants(name: string): boolean {
    return this.routeConfigs.has(routeConfigOfVirtualHost(name)) || this.names.has(name);
  }

  private recordReply(request: DeltaDiscoveryRequest): void {
    const nonce = request.response_nonce!;
    const sent = this.inFlight.get(nonce);
    this.inFlight.delete(nonce);
    if (request.error_detail) {
      const message = request.error_detail.message;
      this.nack = noteNack(this.log, this.metrics, this.proxy, SHORT, { version: this.sentVersion ?? '', nonce, message });
      const carried = sent?.carried ?? [];
      const blamed = rejectedNames(message, this.held.keys(), carried);
      const refused = carried.filter((name) => blamed.includes(name));
      const kept = refused.length > 0 ? refused : carried;
      // The proxy kept what it had. What it refused is not sent again until it changes (as over ADS);
      // the rest of that response, and its removals, go again with the next push.
      const held = new Map(this.held);
      for (const name of carried) if (!kept.includes(name)) held.delete(name);
      for (const [name, entry] of sent?.removed ?? []) if (!held.has(name)) held.set(name, entry);
      this.held = held;
      this.onReply?.(this.proxy, TypeUrl.VirtualHost, { names: blamed, message });
      return;
    }
    if (nonce === this.nonce) this.ackedVersion = this.sentVersion;
    this.nack = undefined;
    this.metrics?.acks.inc({ type: SHORT });
    this.onReply?.(this.proxy, TypeUrl.VirtualHost);
  }

  private respond(answer: boolean, changedAt?: number): void {
    if (!this.all) {
      if (answer) this.answersOwed += 1;
      return;
    }
    const wanted = select(this.all, this.routeConfigs, this.names, this.subscriptionKey);
    const delta = deltaOf(this.held, wanted);
    if (!answer && delta.resources.length === 0 && delta.removed.length === 0) return;
    const removed = delta.removed.flatMap((name) => { const entry = this.held.get(name); return entry ? [[name, entry] as const] : []; });
    this.held = wanted;
    this.nonce = String(++this.nonceCounter);
    this.sentVersion = delta.version;
    this.inFlight.set(this.nonce, { carried: delta.names, removed });
    if (this.inFlight.size > MAX_IN_FLIGHT) this.inFlight.delete(this.inFlight.keys().next().value!);
    // The arrays are shared with every proxy making the same change, so the response is encoded once.
    this.send({ system_version_info: delta.version, resources: delta.resources as DeltaResource[], removed_resources: delta.removed as string[], type_url: TypeUrl.VirtualHost, nonce: this.nonce });
    this.metrics?.pushes.inc({ type: SHORT });
    if (changedAt !== undefined) this.metrics?.pushLatency.observe({ type: SHORT }, (Date.now() - changedAt) / 1000);
    this.log.debug({ proxy: this.proxy.id, type: SHORT, version: delta.version, resources: delta.resources.length, removed: delta.removed.length }, 'pushed');
  }
}
