import type { MigrationNote } from './report';

/** Path of a child: `.key` for plain keys, `["app.kubernetes.io/name"]` for the rest, `[i]` for items. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One source object being converted. Converters read it only through {@link Fields}, which records
 * every path read; whatever was never read is reported afterwards as dropped, so a field the
 * converter forgot cannot vanish silently.
 */
export class SourceObject {
  readonly notes: MigrationNote[] = [];
  private readonly consumed = new Set<string>();

  constructor(
    readonly file: string,
    readonly object: Record<string, unknown>,
  ) {}

  /** `VirtualService bookinfo/reviews` */
  get label(): string {
    const meta = isRecord(this.object.metadata) ? this.object.metadata : {};
    const ns = typeof meta.namespace === 'string' ? `${meta.namespace}/` : '';
    return `${String(this.object.kind)} ${ns}${typeof meta.name === 'string' ? meta.name : '<unnamed>'}`;
  }

  /** The object's top level. */
  root(): Fields {
    return new Fields(this.object, '', this);
  }

  consume(path: string): void {
    this.consumed.add(path);
  }

  isConsumed(path: string): boolean {
    return this.consumed.has(path);
  }

  note(severity: MigrationNote['severity'], field: string, why: string): void {
    this.notes.push({ severity, file: this.file, object: this.label, field, why });
  }

  /** Every leaf never read nor reported, reported as dropped; then all notes. */
  finish(): MigrationNote[] {
    const leftovers: string[] = [];
    const walk = (value: unknown, path: string): void => {
      if (this.consumed.has(path)) return;
      const children = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : isRecord(value) ? Object.entries(value) : [];
      if (children.length === 0) {
        leftovers.push(path);
        return;
      }
      for (const [k, v] of children) walk(v, childPath(path, k));
    };
    walk(this.object, '');
    for (const path of leftovers) this.note('dropped', path, 'has no Meshform equivalent');
    return this.notes;
  }
}

/** A view of one object inside a {@link SourceObject}; each read marks what it read as carried over. */
export class Fields {
  constructor(
    private readonly value: Record<string, unknown>,
    readonly path: string,
    readonly source: SourceObject,
  ) {}

  at(key: string): string {
    return childPath(this.path, key);
  }

  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  keys(): string[] {
    return Object.keys(this.value);
  }

  /** The raw value of a field and everything under it, marked as carried over. */
  take(key: string): unknown {
    if (this.has(key)) this.source.consume(this.at(key));
    return this.value[key] ?? undefined;
  }

  string(key: string): string | undefined {
    const v = this.take(key);
    return v === undefined ? undefined : String(v);
  }

  number(key: string): number | undefined {
    const v = this.take(key);
    return v === undefined ? undefined : Number(v);
  }

  boolean(key: string): boolean | undefined {
    const v = this.take(key);
    return v === undefined ? undefined : v === true || v === 'true';
  }

  strings(key: string): string[] | undefined {
    const v = this.take(key);
    return v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map(String);
  }

  /** A map of strings (labels, header values). */
  record(key: string): Record<string, string> | undefined {
    const v = this.take(key);
    return isRecord(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : undefined;
  }

  /** A nested object; an empty one counts as read. */
  object(key: string): Fields | undefined {
    const v = this.value[key];
    if (!isRecord(v)) return undefined;
    if (Object.keys(v).length === 0) this.source.consume(this.at(key));
    return new Fields(v, this.at(key), this.source);
  }

  /** The objects of a list field; an empty list counts as read. */
  list(key: string): Fields[] {
    const v = this.value[key];
    if (!Array.isArray(v)) return [];
    if (v.length === 0) this.source.consume(this.at(key));
    return v.map((item, i) => {
      const path = childPath(this.at(key), i);
      if (!isRecord(item) || Object.keys(item).length === 0) this.source.consume(path);
      return new Fields(isRecord(item) ? item : {}, path, this.source);
    });
  }

  /** The entries of a map of objects (Istio's `headers: {name: {exact: …}}`), each as Fields. */
  entries(key: string): [string, Fields][] {
    const v = this.value[key];
    if (!isRecord(v)) return [];
    if (Object.keys(v).length === 0) this.source.consume(this.at(key));
    return Object.entries(v).map(([k, x]) => {
      const path = childPath(this.at(key), k);
      if (!isRecord(x) || Object.keys(x).length === 0) this.source.consume(path);
      return [k, new Fields(isRecord(x) ? x : {}, path, this.source)];
    });
  }

  /** Reports a field as not carried over (when present), with why. */
  drop(key: string, why: string): void {
    if (!this.has(key) || this.source.isConsumed(this.at(key))) return;
    this.source.consume(this.at(key));
    this.source.note('dropped', this.at(key), why);
  }

  /** Notes that a field present was carried over with a different meaning. */
  differs(key: string, why: string): void {
    if (this.has(key)) this.source.note('differs', this.at(key), why);
  }

  /** Reports this whole object as not carried over. */
  dropAll(why: string): void {
    this.source.consume(this.path);
    this.source.note('dropped', this.path || '(whole object)', why);
  }

  /** Marks fields that carry no meaning for the mesh (server-set metadata) as read. */
  ignore(...keys: string[]): void {
    for (const k of keys) this.take(k);
  }
}
