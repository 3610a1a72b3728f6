import { EventEmitter } from 'node:events';
import type { MeshResource } from '../lib/api';
import { DEFAULT_NAMESPACE } from '../lib/naming';
import { refuseForeignCertificates, validateResource, formatFinding, type Finding } from '../lib/validation';
import type { WorkloadInstance } from '../lib/translate';
import type { TlsSecret } from './tls-secrets';

/** A resource as a source read it, before validation. */
export interface RawResource {
  readonly object: unknown;
  /** Where it came from (file path, `kubernetes`), shown in statuses. */
  readonly origin: string;
  /**
   * Made by the controller from Gateway API objects, whose references into other namespaces a
   * ReferenceGrant allowed. Set by the source, never read from the object, so nobody can claim it.
   */
  readonly converted?: boolean;
}

/** What the controller thinks of one mesh resource: visible on /debug and written as status conditions. */
export interface ResourceStatus {
  readonly key: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly origin: string;
  readonly accepted: boolean;
  /** `Accepted`, or the first finding's code. */
  readonly reason: string;
  readonly message: string;
  /** Which version translation uses: the one just read, the last valid one, or none. */
  readonly inForce: 'current' | 'last-valid' | 'none';
  readonly findings: readonly Finding[];
  readonly generation?: number;
  /** False while a connected proxy rejects (NACKs) configuration made from this resource. */
  readonly programmed: boolean;
  readonly rejections: readonly ProxyRejection[];
}

/** A proxy's NACK of configuration made (in part) from a resource: kept until that proxy ACKs the type again. */
export interface ProxyRejection {
  readonly proxy: string;
  /** The xDS type (`CDS`, `VHDS`, …) and the Envoy resource rejected. */
  readonly type: string;
  readonly resource: string;
  readonly message: string;
  readonly at: string;
}

interface Entry {
  /** The object last read: an identical object (a cached parse) is not validated again. */
  raw: unknown;
  kind: string;
  name: string;
  namespace?: string;
  origin: string;
  valid?: MeshResource;
  findings: readonly Finding[];
  currentValid: boolean;
  generation?: number;
}

/** Deep equality of plain data (what JSON would tell apart, keys in any order), without serializing it. */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let count = 0;
  for (const k in x) {
    if (x[k] === undefined) continue;
    if (!sameData(x[k], y[k])) return false;
    count += 1;
  }
  for (const k in y) if (y[k] !== undefined) count -= 1;
  return count === 0;
}

function keyOf(object: unknown, fallback: string): { key: string; kind: string; name: string; namespace?: string } {
  const o = (object ?? {}) as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown; generation?: unknown } };
  const kind = typeof o.kind === 'string' ? o.kind : 'Unknown';
  const name = typeof o.metadata?.name === 'string' ? o.metadata.name : fallback;
  const namespace = typeof o.metadata?.namespace === 'string' ? o.metadata.namespace : undefined;
  return { key: `${kind}/${namespace ?? ''}/${name}`, kind, name, namespace };
}

/**
 * The controller's view of the mesh: the resources every source reported, each validated on the way
 * in. An invalid update never replaces a valid resource: its last valid version stays in force and
 * the findings are kept beside it. Emits `change` whenever what translation reads changed.
 */
export class MeshState extends EventEmitter {
  private readonly entries = new Map<string, Entry>();
  private readonly bySource = new Map<string, Set<string>>();
  private readonly workloadsBySource = new Map<string, readonly WorkloadInstance[]>();
  private allWorkloads: readonly WorkloadInstance[] | undefined;
  /** Resources the controller itself decides (the canary driver's route weights), by key. */
  private readonly overrides = new Map<string, MeshResource>();
  private crossFindings: readonly Finding[] = [];
  private resourceList: readonly MeshResource[] | undefined;
  private rejections: ReadonlyMap<string, readonly ProxyRejection[]> = new Map();
  private readonly tlsSecretsBySource = new Map<string, readonly TlsSecret[]>();
  private allTlsSecrets: ReadonlyMap<string, TlsSecret> | undefined;
  private version = 0;

  /** Replaces everything a source reported (a rescan of the manifests folder). */
  replaceSource(source: string, raws: readonly RawResource[]): void {
    const previous = this.bySource.get(source) ?? new Set<string>();
    const seen = new Set<string>();
    let changed = false;
    raws.forEach((raw, i) => {
      const key = this.apply(raw, `${raw.origin}#${i}`);
      if (key.changed) changed = true;
      seen.add(key.key);
    });
    for (const key of previous) {
      if (seen.has(key)) continue;
      this.entries.delete(key);
      changed = true;
    }
    this.bySource.set(source, seen);
    if (changed) this.resourcesChanged();
  }

  /** One resource added or updated (an informer event). */
  upsert(source: string, raw: RawResource): void {
    const { key, changed } = this.apply(raw, raw.origin);
    const keys = this.bySource.get(source) ?? new Set<string>();
    keys.add(key);
    this.bySource.set(source, keys);
    if (changed) this.resourcesChanged();
  }

  /** One resource deleted. */
  remove(source: string, object: unknown): void {
    const { key } = keyOf(object, '');
    this.bySource.get(source)?.delete(key);
    if (this.entries.delete(key)) this.resourcesChanged();
  }

  /**
   * Replaces a source's workloads. An instance equal to the one it replaces stays the very same
   * object, so translation recognises what did not move without comparing it again.
   */
  setWorkloads(source: string, workloads: readonly WorkloadInstance[]): void {
    const before = this.workloadsBySource.get(source) ?? [];
    const nameOf = (w: WorkloadInstance) => `${w.namespace}/${w.name}`;
    // Sources mostly list workloads in the same order: look up by name only when that fails.
    let byKey: Map<string, WorkloadInstance> | undefined;
    let changed = before.length !== workloads.length;
    const next = workloads.map((w, i) => {
      let old: WorkloadInstance | undefined = before[i];
      if (old && (old.name !== w.name || old.namespace !== w.namespace)) {
        byKey ??= new Map(before.map((b) => [nameOf(b), b]));
        old = byKey.get(nameOf(w));
        changed = true;
      }
      if (old && sameData(old, w)) return old;
      changed = true;
      return w;
    });
    if (!changed) return;
    this.workloadsBySource.set(source, next);
    this.allWorkloads = undefined;
    this.bump();
  }

  /** Replaces a source's `kubernetes.io/tls` Secrets (what gateway listeners serve). */
  setTlsSecrets(source: string, secrets: readonly TlsSecret[]): void {
    if (sameData(this.tlsSecretsBySource.get(source) ?? [], secrets)) return;
    this.tlsSecretsBySource.set(source, secrets);
    this.allTlsSecrets = undefined;
    this.bump();
  }

  /** Every source's TLS Secrets by `<namespace>/<name>`: the same map until they change. */
  tlsSecrets(): ReadonlyMap<string, TlsSecret> {
    return (this.allTlsSecrets ??= new Map([...this.tlsSecretsBySource.values()].flat().map((s) => [`${s.namespace}/${s.name}`, s])));
  }

  /** Counts every change; the snapshot cache rebuilds when it moved. */
  get stateVersion(): number {
    return this.version;
  }

  /**
   * The resources translation uses: for each key the current version if valid, else the last valid
   * one, with the controller's own overrides in place of what the source says. The same array until
   * a resource changes (an endpoint move keeps it, and with it the model built from it).
   */
  resources(): readonly MeshResource[] {
    return (this.resourceList ??= [...this.entries.entries()].flatMap(([key, e]) => (e.valid ? [this.overrides.get(key) ?? e.valid] : [])));
  }

  /** Replaces a resource for translation until called with undefined; the source's version stays what statuses show. */
  override(kind: string, namespace: string, name: string, resource: MeshResource | undefined): void {
    const key = `${kind}/${namespace}/${name}`;
    const before = this.overrides.get(key);
    if (resource === undefined ? before === undefined : JSON.stringify(before) === JSON.stringify(resource)) return;
    if (resource === undefined) this.overrides.delete(key);
    else this.overrides.set(key, resource);
    this.resourcesChanged();
  }

  /** Every source's workloads: the same array until they change (translation indexes it once). */
  workloads(): readonly WorkloadInstance[] {
    return (this.allWorkloads ??= [...this.workloadsBySource.values()].flat());
  }

  /** What connected proxies reject, by resource (`Kind/namespace/name`, the namespace defaulted), set by the controller. */
  setProxyRejections(rejections: ReadonlyMap<string, readonly ProxyRejection[]>): void {
    this.rejections = rejections;
  }

  /** Cross-resource findings (lib/validation analyzeMesh) of the resources in force, set by the controller. */
  setCrossFindings(findings: readonly Finding[]): void {
    this.crossFindings = findings;
  }

  statuses(): ResourceStatus[] {
    return [...this.entries.entries()].map(([key, e]) => {
      const names = [`${e.kind} ${e.namespace ?? 'default'}/${e.name}`, `${e.kind} ${e.name}`];
      const findings = e.currentValid ? this.crossFindings.filter((f) => names.includes(f.where)) : e.findings;
      const accepted = findings.length === 0;
      const inForce = e.currentValid ? 'current' : e.valid ? 'last-valid' : 'none';
      const consequence = { current: '', 'last-valid': '\nThe last valid version stays in force.', none: '\nNo valid version exists; nothing of it is in force.' }[inForce];
      const rejections = this.rejections.get(`${e.kind}/${e.namespace ?? DEFAULT_NAMESPACE}/${e.name}`) ?? [];
      return {
        key,
        kind: e.kind,
        ...(e.namespace !== undefined ? { namespace: e.namespace } : {}),
        name: e.name,
        origin: e.origin,
        accepted,
        reason: accepted ? 'Accepted' : findings[0]!.code,
        message: accepted ? 'valid; in force' : findings.map(formatFinding).join('\n') + consequence,
        inForce,
        findings,
        ...(e.generation !== undefined ? { generation: e.generation } : {}),
        programmed: rejections.length === 0,
        rejections,
      };
    });
  }

  private apply(raw: RawResource, fallbackName: string): { key: string; changed: boolean } {
    const { key, kind, name, namespace } = keyOf(raw.object, fallbackName);
    const entry = this.entries.get(key);
    if (entry && entry.raw === raw.object && entry.origin === raw.origin) return { key, changed: false };
    // Only a MeshGateway made from a Gateway API Gateway may name another namespace's Secret (its ReferenceGrant was checked).
    const validated = validateResource(raw.object);
    const result = raw.converted ? validated : refuseForeignCertificates(validated);
    const generation = (raw.object as { metadata?: { generation?: unknown } } | undefined)?.metadata?.generation;
    const next: Entry = result.ok
      ? { raw: raw.object, kind, name, namespace, origin: raw.origin, valid: result.resource, findings: [], currentValid: true }
      : { raw: raw.object, kind, name, namespace, origin: raw.origin, valid: entry?.valid, findings: result.findings, currentValid: false };
    if (typeof generation === 'number') next.generation = generation;
    this.entries.set(key, next);
    const changed = !entry || JSON.stringify(entry.valid) !== JSON.stringify(next.valid) || entry.currentValid !== next.currentValid || JSON.stringify(entry.findings) !== JSON.stringify(next.findings);
    return { key, changed };
  }

  private resourcesChanged(): void {
    this.resourceList = undefined;
    this.bump();
  }

  private bump(): void {
    this.version += 1;
    this.emit('change');
  }
}
