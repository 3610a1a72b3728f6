import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { API_GROUP } from '../../lib/api';
import { gatewayApiKindOf } from '../../lib/gateway-api';
import type { RawResource } from '../mesh-state';
import { isTlsSecretObject } from '../tls-secrets';

const MANIFEST = /\.(ya?ml|json)$/;

/** A file that could not be read as manifests; shown on /debug/resources, never fatal. */
export interface ManifestProblem {
  readonly file: string;
  readonly code: string;
  readonly message: string;
}

interface ParsedFile {
  /** Size and modification time when parsed; absent when the file could not be looked at. */
  readonly stat?: { readonly mtimeMs: number; readonly size: number };
  readonly resources: RawResource[];
  /** `kubernetes.io/tls` Secrets, which gateway listeners serve. */
  readonly secrets: RawResource[];
  readonly problems: ManifestProblem[];
}

/**
 * Folder order, as a walk of the tree gives it: the entries of a folder by name, each subfolder's
 * files in its place. Two files first differ in an entry of the same folder.
 */
function compareFiles(a: string, b: string): number {
  const x = a.split(path.sep);
  const y = b.split(path.sep);
  let i = 0;
  while (i < x.length - 1 && x[i] === y[i]) i += 1;
  return x[i]!.localeCompare(y[i] ?? '');
}

/**
 * The mesh resources (apiVersion `meshform.dev/…`) and Gateway API objects in the YAML/JSON files
 * under a folder, in file order, and the `kubernetes.io/tls` Secrets gateways serve, kept parsed per
 * file so that a change costs the files it touched. Other objects
 * (Deployments, CRDs: the rest of a synth) are skipped; a file that does not parse is reported,
 * keeps what it last held (none if it never parsed), and the others still load. A file not parsed again yields the same objects as before.
 */
export class ManifestFolder {
  private files = new Map<string, ParsedFile>();
  private folderSet = new Set<string>();
  private missing = false;

  constructor(readonly dir: string) {}

  /** The folders of the tree as the last rescan found them. */
  get folders(): ReadonlySet<string> {
    return this.folderSet;
  }

  /** Walks the whole tree again; files whose size and modification time did not change are not parsed again. */
  rescan(): void {
    this.missing = !statSync(this.dir, { throwIfNoEntry: false })?.isDirectory();
    const folders = new Set<string>();
    const files = new Map<string, ParsedFile>();
    const walk = (dir: string) => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        // The folder vanished mid-walk; its watch event brings another rescan.
        return;
      }
      folders.add(dir);
      for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.isFile() && MANIFEST.test(entry.name)) files.set(full, this.unchanged(full) ?? this.parse(full));
      }
    };
    if (!this.missing) walk(this.dir);
    this.files = files;
    this.folderSet = folders;
  }

  /**
   * Takes in what watches reported changed: paths in the tree, possibly gone. A manifest file is
   * read again (or dropped), and nothing else is looked at; a folder that appeared, went or was
   * renamed means the tree is walked again.
   */
  update(paths: Iterable<string>): void {
    const changed = [...paths];
    if (this.missing || changed.some((p) => this.folderSet.has(p) || lstatSync(p, { throwIfNoEntry: false })?.isDirectory())) {
      this.rescan();
      return;
    }
    for (const file of changed) if (MANIFEST.test(file)) this.reread(file);
  }

  /** Every resource and problem, in file order. */
  read(): { resources: RawResource[]; secrets: RawResource[]; problems: ManifestProblem[] } {
    if (this.missing) return { resources: [], secrets: [], problems: [{ file: this.dir, code: 'MANIFEST_UNREADABLE', message: 'is not a folder' }] };
    const files = [...this.files.values()];
    return { resources: files.flatMap((f) => f.resources), secrets: files.flatMap((f) => f.secrets), problems: files.flatMap((f) => f.problems) };
  }

  private unchanged(file: string): ParsedFile | undefined {
    const cached = this.files.get(file);
    const stat = statSync(file, { throwIfNoEntry: false });
    return cached?.stat && stat && cached.stat.mtimeMs === stat.mtimeMs && cached.stat.size === stat.size ? cached : undefined;
  }

  /**
   * A file that no longer parses (caught mid-edit, broken by hand) keeps its last readable
   * resources in force, as an invalid resource keeps its last valid version; it is reported. A
   * deleted file is a decision and drops its resources.
   */
  private parse(file: string): ParsedFile {
    const parsed = parseFile(file);
    const before = this.files.get(file);
    if (parsed.problems.length === 0 || !before) return parsed;
    return { ...parsed, resources: before.resources, secrets: before.secrets, problems: parsed.problems.map((p) => ({ ...p, message: `${p.message}; its last readable content stays in force` })) };
  }

  private reread(file: string): void {
    if (!lstatSync(file, { throwIfNoEntry: false })?.isFile()) {
      this.files.delete(file);
      return;
    }
    const parsed = this.parse(file);
    if (this.files.has(file)) {
      this.files.set(file, parsed);
      return;
    }
    const entries = [...this.files];
    const at = entries.findIndex(([other]) => compareFiles(file, other) < 0);
    entries.splice(at < 0 ? entries.length : at, 0, [file, parsed]);
    this.files = new Map(entries);
  }
}

function parseFile(file: string): ParsedFile {
  const resources: RawResource[] = [];
  const secrets: RawResource[] = [];
  const problems: ManifestProblem[] = [];
  const stat = statSync(file, { throwIfNoEntry: false });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push({ file, code: 'MANIFEST_UNREADABLE', message: (error as Error).message });
    return { resources, secrets, problems };
  }
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length > 0) {
      problems.push({ file, code: 'MANIFEST_NOT_YAML', message: `document ${i}: ${doc.errors[0]!.message}` });
      return;
    }
    const object = doc.toJS() as { apiVersion?: unknown } | null;
    const objects = Array.isArray(object) ? object : [object];
    for (const o of objects) {
      if ((typeof o?.apiVersion === 'string' && o.apiVersion.startsWith(`${API_GROUP}/`)) || gatewayApiKindOf(o)) resources.push({ object: o, origin: `${file}#${i}` });
      else if (isTlsSecretObject(o)) secrets.push({ object: o, origin: `${file}#${i}` });
    }
  });
  return { resources, secrets, problems, ...(stat ? { stat: { mtimeMs: stat.mtimeMs, size: stat.size } } : {}) };
}
