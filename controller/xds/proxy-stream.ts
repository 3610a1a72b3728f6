import { TypeUrl, type DiscoveryRequest, type DiscoveryResponse, type PackedAny } from '../../lib/xds';
import type { EnvoyMessage, ProxyIdentity } from '../../lib/translate';
import type { Logger } from '../logger';
import type { ControllerMetrics } from '../metrics';
import { packedSubset, PUSH_ORDER, SHORT_NAMES, selectResources, subscriptionKey, type ProxySnapshot, type TypeResources } from './snapshot';
import type { VhdsStream } from './vhds-stream';

/**
 * A proxy's reply to a response of a type: an ACK, or a NACK with the resources it rejected (those
 * the response changed; the proxy kept its previous versions of them) and its reason.
 */
export type ReplyListener = (proxy: ProxyIdentity, type: string, rejected?: { readonly names: readonly string[]; readonly message: string }) => void;

/** Characters of resource names: a name inside a longer one (`80` in `9080`) is not named. */
const NAME_CHAR = /[\w.|/-]/;

function names(message: string, name: string): boolean {
  for (let at = message.indexOf(name); at >= 0; at = message.indexOf(name, at + 1)) {
    const [before, after, next] = [message[at - 1] ?? ' ', message[at + name.length] ?? ' ', message[at + name.length + 1] ?? ' '];
    // A name may be followed by `:` and a reason, not by `:<port>` (then it is part of a longer name).
    if (!NAME_CHAR.test(before) && !NAME_CHAR.test(after) && !(after === ':' && /\d/.test(next))) return true;
  }
  return false;
}

/**
 * Which resources a NACK rejected: those its message names (Envoy's and Meshform's proxy's messages
 * name the resource at fault), else every one the rejected response changed.
 */
export function rejectedNames(message: string, held: Iterable<string>, changed: readonly string[]): readonly string[] {
  const named = [...held].filter((name) => names(message, name));
  return named.length > 0 ? named : changed;
}

/** A NACK as the proxy sent it: kept until the next ACK of that type. */
export interface Nack {
  readonly version: string;
  readonly nonce: string;
  readonly message: string;
  readonly at: string;
}

/** Counts and logs a NACK (`XDS_NACK`) of a stream, ADS or VHDS alike, and returns it to keep. */
export function noteNack(log: Logger, metrics: ControllerMetrics | undefined, proxy: ProxyIdentity, type: string, nack: Omit<Nack, 'at'>, keptVersion?: string): Nack {
  metrics?.nacks.inc({ type });
  log.warn({ code: 'XDS_NACK', proxy: proxy.id, type, rejectedVersion: nack.version, ...(keptVersion !== undefined ? { keptVersion } : {}) }, nack.message);
  return { ...nack, at: new Date().toISOString() };
}

interface TypeState {
  /** The names as the last request listed them. */
  requested: readonly string[];
  /** Subscribed names; undefined = everything (a wildcard request). */
  names: ReadonlySet<string> | undefined;
  namesKey: string;
  nonce?: string;
  sentVersion?: string;
  ackedVersion?: string;
  nack?: Nack;
  /** What the proxy holds: the last version sent of each resource, by name. */
  sent: TypeResources;
  /** What was sent before the last response: a NACK of it rejects what differs. */
  sentBefore: TypeResources;
}

/**
 * Types whose responses may carry only what changed: for them a resource left out of a response is
 * not deleted (xDS: only Listener and Cluster responses are complete sets), so an endpoint move
 * sends one ClusterLoadAssignment, not all of them.
 */
const PARTIAL_TYPES = new Set<string>([TypeUrl.RouteConfiguration, TypeUrl.ClusterLoadAssignment, TypeUrl.Secret]);

/** What /debug/config_dump shows per type. */
export interface TypeDump {
  readonly subscribed: string[] | '*';
  readonly sentVersion?: string;
  readonly ackedVersion?: string;
  readonly nonce?: string;
  readonly nack?: Nack;
  readonly resources: EnvoyMessage[];
}

/** A type's answer state alone: the version ACKed and the standing NACK. */
export type ReplyState = Pick<TypeDump, 'ackedVersion' | 'nack'>;

export function replyStateOf(state: { readonly ackedVersion?: string; readonly nack?: Nack }): ReplyState {
  return { ...(state.ackedVersion !== undefined ? { ackedVersion: state.ackedVersion } : {}), ...(state.nack ? { nack: state.nack } : {}) };
}

function subscription(names: readonly string[]): ReadonlySet<string> | undefined {
  if (names.length === 0 || names.includes('*')) return undefined;
  return new Set(names);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameSubscription(a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.size === b.size && [...a].every((n) => b.has(n));
}

/**
 * One proxy's ADS stream, state of the world, per type: what it subscribed to, what was sent under
 * which version and nonce, what it ACKed or NACKed. It answers a request only when it is the
 * first of its type, changes the subscription, or (without a nonce) asks for a version other than
 * the one sent; replies to older nonces are ignored. A NACK leaves the proxy on its last good
 * version: nothing is resent until the configuration changes.
 */
export class ProxyStream {
  private readonly types = new Map<string, TypeState>();
  private snapshot?: ProxySnapshot;
  private nonceCounter = 0;
  /** The proxy's VHDS streams, which get the virtual hosts of each snapshot. */
  private readonly vhds = new Set<VhdsStream>();

  constructor(
    readonly connectionId: string,
    readonly proxy: ProxyIdentity,
    private readonly send: (response: DiscoveryResponse) => void,
    private readonly log: Logger,
    private readonly metrics?: ControllerMetrics,
    private readonly onReply?: ReplyListener,
  ) {}

  handleRequest(request: DiscoveryRequest): void {
    const type = request.type_url;
    const requested = request.resource_names ?? [];
    const state = this.types.get(type);
    if (!state) {
      const names = subscription(requested);
      this.types.set(type, { requested, names, namesKey: subscriptionKey(names), sent: new Map(), sentBefore: new Map() });
      this.respond(type, true);
      return;
    }
    const nonce = request.response_nonce ?? '';
    if (nonce !== '' && nonce !== state.nonce) return;
    // An ACK mostly repeats the names of the last request (a thousand for a big EDS subscription): compare them before building a set.
    let changed = false;
    if (!sameList(state.requested, requested)) {
      state.requested = requested;
      const names = subscription(requested);
      changed = !sameSubscription(state.names, names);
      if (changed) {
        state.names = names;
        state.namesKey = subscriptionKey(names);
      }
    }
    if (nonce !== '') {
      this.recordReply(type, state, request);
      if (changed) this.respond(type, true);
      return;
    }
    if (changed || request.version_info !== state.sentVersion) this.respond(type, true);
  }

  /** Takes a new snapshot and pushes each type whose subscribed resources changed. */
  update(snapshot: ProxySnapshot, changedAt?: number): void {
    this.snapshot = snapshot;
    for (const type of PUSH_ORDER) if (this.types.has(type)) this.respond(type, false, changedAt);
    // After RDS (Envoy's make-before-break): a new route configuration is in place before its hosts change.
    for (const stream of this.vhds) stream.update(snapshot.types.get(TypeUrl.VirtualHost), changedAt);
  }

  attach(stream: VhdsStream): void {
    this.vhds.add(stream);
    if (this.snapshot) stream.update(this.snapshot.types.get(TypeUrl.VirtualHost));
  }

  detach(stream: VhdsStream): void {
    this.vhds.delete(stream);
  }

  get currentSnapshot(): ProxySnapshot | undefined {
    return this.snapshot;
  }

  nacks(): { type: string; nack: Nack }[] {
    return [...this.types.entries()].flatMap(([type, s]) => (s.nack ? [{ type, nack: s.nack }] : []));
  }

  /** Per type (`LDS`, …, `VHDS`) what the proxy answered, without copying what was sent as dump() does (the dashboard reads it for every proxy). */
  replies(): Record<string, ReplyState> {
    const vhds = [...this.vhds].map((stream) => [SHORT_NAMES[TypeUrl.VirtualHost]!, stream.replyState()] as const);
    return Object.fromEntries([...vhds, ...[...this.types.entries()].map(([type, s]) => [SHORT_NAMES[type] ?? type, replyStateOf(s)] as const)]);
  }

  /** The resource of a type last sent under `name` (SDS `default`: the proxy's certificate). */
  sentResource(typeUrl: string, name: string): EnvoyMessage | undefined {
    return this.types.get(typeUrl)?.sent.get(name)?.message;
  }

  dump(): Record<string, TypeDump> {
    const vhds = [...this.vhds].map((stream) => [SHORT_NAMES[TypeUrl.VirtualHost]!, stream.dump()] as const);
    return Object.fromEntries([
      ...vhds,
      ...[...this.types.entries()].map(([type, s]) => [
        SHORT_NAMES[type] ?? type,
        {
          subscribed: s.names ? [...s.names] : '*',
          ...(s.sentVersion !== undefined ? { sentVersion: s.sentVersion } : {}),
          ...(s.ackedVersion !== undefined ? { ackedVersion: s.ackedVersion } : {}),
          ...(s.nonce !== undefined ? { nonce: s.nonce } : {}),
          ...(s.nack ? { nack: s.nack } : {}),
          resources: [...s.sent.values()].map((r) => r.message),
        },
      ]),
    ]);
  }

  private recordReply(type: string, state: TypeState, request: DiscoveryRequest): void {
    const short = SHORT_NAMES[type] ?? type;
    if (request.error_detail) {
      const nack = { version: state.sentVersion ?? '', nonce: request.response_nonce ?? '', message: request.error_detail.message };
      state.nack = noteNack(this.log, this.metrics, this.proxy, short, nack, request.version_info);
      const changed = [...state.sent.values()].filter((r) => state.sentBefore.get(r.name)?.hash !== r.hash).map((r) => r.name);
      this.onReply?.(this.proxy, type, { names: rejectedNames(request.error_detail.message, state.sent.keys(), changed), message: request.error_detail.message });
      return;
    }
    state.ackedVersion = request.version_info ?? '';
    state.nack = undefined;
    this.metrics?.acks.inc({ type: short });
    this.onReply?.(this.proxy, type);
  }

  /**
   * Sends the subscribed resources of a type; unless forced, only when they differ from what was
   * sent, and for RDS/EDS/SDS only those that changed. The version names the whole set.
   */
  private respond(type: string, force: boolean, changedAt?: number): void {
    const state = this.types.get(type)!;
    const all = this.snapshot?.types.get(type);
    if (!all) return;
    const selection = selectResources(all, state.names, state.namesKey);
    const { resources, version } = selection;
    if (!force && version === state.sentVersion) return;
    const changed = force || !PARTIAL_TYPES.has(type) ? resources : resources.filter((r) => state.sent.get(r.name)?.hash !== r.hash);
    state.nonce = String(++this.nonceCounter);
    state.sentVersion = version;
    state.sentBefore = state.sent;
    state.sent = selection.byName;
    // The array is shared with alike proxies (read-only), so the response is encoded once for all of them.
    this.send({ version_info: version, resources: packedSubset(selection, changed) as PackedAny[], type_url: type, nonce: state.nonce });
    const short = SHORT_NAMES[type] ?? type;
    this.metrics?.pushes.inc({ type: short });
    if (changedAt !== undefined) this.metrics?.pushLatency.observe({ type: short }, (Date.now() - changedAt) / 1000);
    this.log.debug({ proxy: this.proxy.id, type: short, version, resources: changed.length }, 'pushed');
  }
}
