import { watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../logger';
import { gatewayApiKindOf, type GatewayApiResult } from '../../lib/gateway-api';
import type { MeshState, RawResource } from '../mesh-state';
import { tlsSecretOf, type TlsSecret } from '../tls-secrets';
import { GatewayApiFeed } from './gateway-api-feed';
import { ManifestFolder, type ManifestProblem } from './manifest-files';
import { readLocalRegistry, tokenIdentities, workloadsOf, type LocalIdentity, type LocalRegistry } from './local-registry';

export interface LocalSourceOptions {
  /** Folder of synthesized manifests, read recursively. */
  readonly manifestsDir: string;
  /** The local registry file (docs/local-registry.md). @default no workloads */
  readonly registryFile?: string;
}

// Events are gathered this long before the files they name are read. Synth and the runner replace
// files by rename, complete at once: they would need no wait. Editors that write in place truncate,
// then write, microseconds apart; reading between the two would briefly push a file's resources as
// deleted. The write's own event corrects such a read, so correctness needs no delay: the wait only
// covers an uninterrupted in-place write (and gathers a rename's two events), kept short because it
// is part of every change's latency.
const READ_DELAY_MS = 2;

/**
 * Local mode's source: the manifests folder and the registry file, both watched. A file that does not
 * parse, or a registry that does not validate, is reported and the last good content stays in force.
 */
export class LocalSource {
  private readonly watchers: FSWatcher[] = [];
  private readonly folderWatchers = new Map<string, FSWatcher>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private identities = new Map<string, LocalIdentity>();
  private readonly manifests: ManifestFolder;
  /** Paths watches named since the manifests were last read. */
  private readonly changedPaths = new Set<string>();
  /** The registry in force, whose entries a reread compares with. */
  private registry: LocalRegistry | undefined;
  private readonly gatewayApi = new GatewayApiFeed();
  /** Gateway API objects found between the manifests, as the controller took them. */
  gatewayApiResults: readonly GatewayApiResult[] = [];
  manifestProblems: readonly ManifestProblem[] = [];
  registryProblem: string | undefined;

  constructor(
    private readonly options: LocalSourceOptions,
    private readonly state: MeshState,
    private readonly log: Logger,
  ) {
    this.manifests = new ManifestFolder(options.manifestsDir);
  }

  start(): void {
    this.manifests.rescan();
    this.publishManifests();
    this.loadRegistry();
    const registry = this.options.registryFile;
    if (registry) {
      // Watch the folder: the runner replaces the file by renaming, which a file watch would lose.
      const watcher = watch(path.dirname(registry), (_event, name) => {
        if (name === null || name === path.basename(registry)) this.later('registry', () => this.loadRegistry());
      });
      watcher.on('error', () => this.later('registry', () => this.loadRegistry()));
      this.watchers.push(watcher);
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
    this.timers.set(what, setTimeout(run, READ_DELAY_MS));
  }

  /**
   * One watcher per folder of the tree, kept in step with it. Folder watches see files replaced by
   * rename (how synth and editors write); node's recursive watch on Linux loses such files.
   */
  private watchFolders(): void {
    const folders = this.manifests.folders;
    for (const [dir, watcher] of this.folderWatchers) {
      if (folders.has(dir)) continue;
      watcher.close();
      this.folderWatchers.delete(dir);
    }
    for (const dir of folders) {
      if (this.folderWatchers.has(dir)) continue;
      // Linux names the file that changed. A watch names its own folder's name when that folder is
      // renamed or deleted, and some platforms name nothing: both, and errors, name the folder itself,
      // which makes the manifests folder rescan the tree.
      const watcher = watch(dir, (_event, name) => this.manifestsChanged(name === null || name === path.basename(dir) ? dir : path.join(dir, name)));
      watcher.on('error', () => this.manifestsChanged(dir));
      this.folderWatchers.set(dir, watcher);
    }
  }

  private manifestsChanged(changed: string): void {
    this.changedPaths.add(changed);
    this.later('manifests', () => {
      this.manifests.update(this.changedPaths);
      this.changedPaths.clear();
      this.publishManifests();
    });
  }

  private publishManifests(): void {
    this.watchFolders();
    const { resources, secrets, problems } = this.manifests.read();
    const tls = secrets.map((raw) => tlsSecretOf(raw.object, raw.origin));
    const secretProblems = tls.flatMap((t) => ('code' in t ? [{ file: t.origin, code: t.code, message: t.message }] : []));
    this.manifestProblems = [...problems, ...secretProblems];
    for (const p of this.manifestProblems) this.log.warn({ code: p.code, file: p.file }, p.message);
    const gatewayApi = resources.filter((r) => gatewayApiKindOf(r.object));
    const mesh = resources.filter((r) => !gatewayApiKindOf(r.object));
    const converted = this.gatewayApi.convert(gatewayApi, serviceLookup(mesh));
    this.gatewayApiResults = converted.results;
    if (converted.failure) this.log.error({ code: 'GATEWAY_API_CONVERSION_FAILED' }, converted.failure);
    for (const r of converted.results) for (const f of r.findings) this.log.warn({ code: f.code, resource: f.where, field: f.field }, f.message);
    this.state.replaceSource('local-manifests', [...mesh, ...converted.resources]);
    this.state.setTlsSecrets('local-manifests', tls.filter((t): t is TlsSecret => !('code' in t)));
  }

  private loadRegistry(): void {
    const file = this.options.registryFile;
    if (!file) return;
    try {
      const registry = readLocalRegistry(file, this.registry);
      this.registry = registry;
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

/** Whether a MeshService or ExternalService of that name is among the resources read. */
function serviceLookup(resources: readonly RawResource[]): (namespace: string, name: string) => boolean {
  const names = new Set(
    resources.flatMap((r) => {
      const o = r.object as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
      return o.kind === 'MeshService' || o.kind === 'ExternalService' ? [`${typeof o.metadata?.namespace === 'string' ? o.metadata.namespace : 'default'}/${String(o.metadata?.name)}`] : [];
    }),
  );
  return (namespace, name) => names.has(`${namespace}/${name}`);
}
