import { CustomObjectsApi, makeInformer, type Informer, type KubeConfig, type KubernetesObject, type ObjectCache } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_GROUP, API_VERSION, KINDS, type KindName, type MeshResource } from '../../lib/api';
import { meshCaptureOf, type MeshCapture } from '../../lib/injection';
import { validateResource } from '../../lib/validation';

/** The kinds outbound capture depends on: their ports, and the Mesh's outbound policy. */
const CAPTURE_KINDS: readonly KindName[] = ['Mesh', 'MeshService', 'ExternalService'];
const RESTART_DELAY_MS = 5_000;

/**
 * What the injection webhook knows of the mesh: informers on the Mesh, MeshServices and
 * ExternalServices in the API server, so a pod created after a service is applied captures its
 * port, whether the service came from the constructs or from `kubectl apply`. A resource that
 * fails its schema is left out (the controller reports it in its status).
 */
export class MeshCaptureWatch {
  private readonly informers: (Informer<KubernetesObject> & ObjectCache<KubernetesObject>)[] = [];
  private readonly listed = new Set<Informer<KubernetesObject>>();
  private readonly failed = new Set<Informer<KubernetesObject>>();
  private memo: MeshCapture | undefined;
  private stopped = false;

  constructor(kubeConfig: KubeConfig, log: Logger) {
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    for (const kind of CAPTURE_KINDS) {
      const plural = KINDS[kind].plural;
      const informer = makeInformer<KubernetesObject>(kubeConfig, `/apis/${API_GROUP}/${API_VERSION}/${plural}`, () => custom.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural }));
      for (const verb of ['add', 'update', 'delete'] as const) informer.on(verb, () => (this.memo = undefined));
      // A failed list or a broken watch stops the informer for good: start it again. What it listed stays meanwhile.
      informer.on('error', (error) => {
        if (this.stopped) return;
        this.failed.add(informer);
        log.warn({ code: 'MESH_WATCH_FAILED', kind, err: error, retryInMs: RESTART_DELAY_MS }, 'cannot watch the mesh for injection; retrying');
        setTimeout(() => void this.run(informer), RESTART_DELAY_MS).unref();
      });
      this.informers.push(informer);
    }
  }

  /** Starts every watch; resolves once each has listed or failed (a failed one retries, and `current()` waits for it). */
  async start(): Promise<void> {
    await Promise.all(this.informers.map((i) => this.run(i)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  /** An informer's `connect` comes before its list: only a start that returns without an error has listed. */
  private async run(informer: Informer<KubernetesObject>): Promise<void> {
    if (this.stopped) return;
    this.failed.delete(informer);
    await informer.start();
    if (this.failed.has(informer) || this.stopped) return;
    this.listed.add(informer);
    this.memo = undefined;
  }

  /** The mesh's ports and policy now; undefined until every kind has been listed once. */
  current(): MeshCapture | undefined {
    if (this.listed.size < this.informers.length) return undefined;
    this.memo ??= meshCaptureOf(
      this.informers.flatMap((i) =>
        i.list().flatMap((object): MeshResource[] => {
          const result = validateResource(object);
          return result.ok ? [result.resource] : [];
        }),
      ),
    );
    return this.memo;
  }
}
