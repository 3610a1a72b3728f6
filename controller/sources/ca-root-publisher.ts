import type { CoreV1Api, V1ConfigMap } from '@kubernetes/client-node';
import { CA_ROOT_CONFIGMAP, CA_ROOT_KEY } from '../../lib/injection';
import { ControllerErrorCode } from '../errors';
import type { Logger } from '../logger';
import { isThrottled } from './throttled';

export interface CaRootPublisherOptions {
  readonly core: CoreV1Api;
  /** Every root a proxy may need to verify the controller with (both during a rotation); '' before the CA started. */
  readonly trustBundle: () => string;
  /** Namespaces whose proxies need the root. */
  readonly namespaces: () => Iterable<string>;
  readonly isLeader: () => boolean;
  readonly log: Logger;
}

const PASS_INTERVAL_MS = 2_000;
/** How often every ConfigMap is read again, to repair one deleted or edited by hand. */
const RESYNC_MS = 60_000;
const LABELS = { 'app.kubernetes.io/part-of': 'meshform', 'app.kubernetes.io/managed-by': 'meshform-controller' };

/**
 * The leader keeps the ConfigMap `meshform-ca-root` (key `root-cert.pem`, the trust bundle) in every
 * namespace with injected proxies, which verify the controller's xDS certificate against it (as
 * Istio's `istio-ca-root-cert`). It writes only when the bundle differs from what it last wrote or
 * read there; reads are repeated every resync. It never deletes one: pods may still mount it.
 */
export class CaRootPublisher {
  /** Namespace → bundle known to be stored there, during this leadership term. */
  private readonly stored = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private running = false;
  private wasLeader = false;
  private verifiedAt = 0;

  constructor(private readonly options: CaRootPublisherOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.pass(), PASS_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reads the namespace's ConfigMap again on the next pass (a pod just came to need it). */
  recheck(namespace: string): void {
    this.stored.delete(namespace);
  }

  private async pass(): Promise<void> {
    if (this.running) return;
    const leading = this.options.isLeader();
    // Another replica may have written in between: a new term reads everything again.
    if (leading && !this.wasLeader) this.stored.clear();
    this.wasLeader = leading;
    const bundle = this.options.trustBundle();
    if (!leading || !bundle) return;
    if (Date.now() - this.verifiedAt > RESYNC_MS) {
      this.stored.clear();
      this.verifiedAt = Date.now();
    }
    this.running = true;
    try {
      for (const namespace of new Set(this.options.namespaces())) {
        if (this.stored.get(namespace) === bundle) continue;
        try {
          await this.ensure(namespace, bundle);
          this.stored.set(namespace, bundle);
        } catch (error) {
          // Tried again on the next pass.
          if (isThrottled(error)) this.options.log.info({ code: ControllerErrorCode.KubernetesThrottled, namespace }, 'API server asked to slow down; CA root publication deferred');
          else this.options.log.warn({ code: ControllerErrorCode.CaRootPublishFailed, namespace, err: error }, `cannot write ConfigMap ${namespace}/${CA_ROOT_CONFIGMAP}; proxies there cannot verify the controller until it is written`);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async ensure(namespace: string, bundle: string): Promise<void> {
    const { core, log } = this.options;
    let existing: V1ConfigMap | undefined;
    try {
      existing = await core.readNamespacedConfigMap({ name: CA_ROOT_CONFIGMAP, namespace });
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
    if (!existing) {
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: CA_ROOT_CONFIGMAP, namespace, labels: LABELS }, data: { [CA_ROOT_KEY]: bundle } } });
      log.info({ namespace, configMap: CA_ROOT_CONFIGMAP }, 'CA root published');
      return;
    }
    if (existing.data?.[CA_ROOT_KEY] === bundle) return;
    // The read version goes back with the update: a concurrent writer makes it fail (409) and the next pass retries.
    existing.data = { ...existing.data, [CA_ROOT_KEY]: bundle };
    await core.replaceNamespacedConfigMap({ name: CA_ROOT_CONFIGMAP, namespace, body: existing });
    log.info({ namespace, configMap: CA_ROOT_CONFIGMAP }, 'CA root updated');
  }
}
