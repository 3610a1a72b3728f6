import { readdirSync, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../logger';
import type { MeshState } from '../mesh-state';
import { readManifests, type ManifestCache, type ManifestProblem } from './manifest-files';
import { readLocalRegistry, tokenIdentities, workloadsOf, type LocalIdentity } from './local-registry';

export interface LocalSourceOptions {
  /** Folder of synthesized manifests, read recursively. */
  readonly manifestsDir: string;
  /** The local registry file (docs/local-registry.md). @default no workloads */
  readonly registryFile?: string;
}

// Editors and the runner write files in bursts; a short pause makes one rescan of most bursts. What
// a rescan catches mid-burst is corrected by the next one within the controller's 100 ms debounce.
const RESCAN_DELAY_MS = 10;

/**
 * Local mode's source: the manifests folder and the registry file, both watched. A file that does not
 * parse, or a registry that does not validate, is reported and the last good content stays in force.
 */
export class LocalSource {
  private readonly watchers: FSWatcher[] = [];
  private readonly folderWatchers = new Map<string, FSWatcher>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private identities = new Map<string, LocalIdentity>();
  private readonly manifestCache: ManifestCache = new Map();
  manifestProblems: readonly ManifestProblem[] = [];
  registryProblem: string | undefined;

  constructor(
    private readonly options: LocalSourceOptions,
    private readonly state: MeshState,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.loadManifests();
    this.loadRegistry();
    const registry = this.options.registryFile;
    if (registry) {
      // Watch the folder: the runner replaces the file by renaming, which a file watch would lose.
      this.watchers.push(
        watch(path.dirname(registry), (_event, name) => {
          if (name === null || name === path.basename(registry)) this.later('registry', () => this.loadRegistry());
        }),
      );
    }
  }

  stop(): void {
    for (const w of [...this.watchers, ...this.folderWatchers.values()]) w.close();
    for (const t of this.timers.values()) clearTimeout(t);
  }

  /** The identity a local token proves, if the registry knows it. */
  identityOfTokenHash(hash: string): LocalIdentity | undefined {
    return this.identities.get(hash);
  }

  private later(what: string, run: () => void): void {
    clearTimeout(this.timers.get(what));
    this.timers.set(what, setTimeout(run, RESCAN_DELAY_MS));
  }

  /**
   * One watcher per folder of the tree, kept in step with it. Folder watches see files replaced by
   * rename (how synth and editors write); node's recursive watch on Linux loses such files.
   */
  private watchFolders(): void {
    const folders = new Set<string>();
    const walk = (dir: string) => {
      folders.add(dir);
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(dir, e.name));
    };
    try {
      walk(this.options.manifestsDir);
    } catch {
      // The folder vanished mid-walk; the next event rescans.
    }
    for (const [dir, watcher] of this.folderWatchers) {
      if (folders.has(dir)) continue;
      watcher.close();
      this.folderWatchers.delete(dir);
    }
    for (const dir of folders) {
      if (this.folderWatchers.has(dir)) continue;
      const watcher = watch(dir, () => this.later('manifests', () => this.loadManifests()));
      watcher.on('error', () => this.later('manifests', () => this.loadManifests()));
      this.folderWatchers.set(dir, watcher);
    }
  }

  private loadManifests(): void {
    this.watchFolders();
    const { resources, problems } = readManifests(this.options.manifestsDir, this.manifestCache);
    this.manifestProblems = problems;
    for (const p of problems) this.log.warn({ code: p.code, file: p.file }, p.message);
    this.state.replaceSource('local-manifests', resources);
  }

  private loadRegistry(): void {
    const file = this.options.registryFile;
    if (!file) return;
    try {
      const registry = readLocalRegistry(file);
      this.identities = tokenIdentities(registry);
      this.registryProblem = undefined;
      this.state.setWorkloads('local-registry', workloadsOf(registry));
    } catch (error) {
      // A missing file is normal before the runner starts its first process.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.registryProblem = (error as Error).message;
      this.log.error({ code: 'REGISTRY_INVALID', file }, this.registryProblem);
    }
  }
}
