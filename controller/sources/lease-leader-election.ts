import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { ControllerErrorCode } from '../errors';
import type { Logger } from '../logger';
import { isThrottled, throttledRetryDelayMs } from './throttled';

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly leaseName: string;
  readonly identity: string;
  /** @default 15 s */
  readonly leaseDurationSeconds?: number;
}

/**
 * Leader election through a coordination.k8s.io Lease, as client-go does it: the holder renews the
 * lease every third of its duration; another replica takes it over once it has not been renewed
 * for a whole duration. Only the leader writes statuses; every replica serves xDS.
 */
export class LeaseLeaderElection {
  private readonly api: CoordinationV1Api;
  private timer?: NodeJS.Timeout;
  private leading = false;
  private stopped = false;
  private renewedAt = 0;

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: LeaderElectionOptions,
    private readonly log: Logger,
  ) {
    this.api = kubeConfig.makeApiClient(CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  /** Stops renewing; a leader hands the Lease back at once so another replica need not wait it out. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.stopped = true;
    const wasLeading = this.leading;
    this.leading = false;
    if (wasLeading) await this.release();
  }

  private get duration(): number {
    return this.options.leaseDurationSeconds ?? 15;
  }

  private async tick(): Promise<void> {
    let next = (this.duration * 1000) / 3;
    try {
      this.setLeading(await this.tryAcquireOrRenew());
      if (this.leading) this.renewedAt = Date.now();
    } catch (error) {
      if (isThrottled(error)) {
        // A leader keeps leading while its last renewal still holds, and asks again soon.
        next = throttledRetryDelayMs();
        this.log.info({ code: ControllerErrorCode.KubernetesThrottled }, 'API server asked to slow down; Lease renewal retried');
        this.setLeading(this.leading && Date.now() - this.renewedAt + next < this.duration * 1000);
      } else {
        this.log.warn({ code: 'LEASE_UNAVAILABLE', err: error }, 'cannot read or write the leader Lease');
        this.setLeading(false);
      }
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), next);
    this.timer.unref();
  }

  /** As client-go's ReleaseOnCancel: clear the holder and let the Lease lapse after a second. */
  private async release(): Promise<void> {
    const { namespace, leaseName: name, identity } = this.options;
    try {
      const lease = await this.api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      await this.api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1, renewTime: new V1MicroTime() } } });
      this.log.info({ identity }, 'released the leader Lease');
    } catch (error) {
      // The Lease then expires on its own after its duration.
      this.log.warn({ code: 'LEASE_UNAVAILABLE', err: error }, 'cannot release the leader Lease');
    }
  }

  private setLeading(leading: boolean): void {
    if (leading !== this.leading) this.log.info({ identity: this.options.identity, leading }, leading ? 'became leader' : 'lost leadership');
    this.leading = leading;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, leaseName: name, identity } = this.options;
    const now = new V1MicroTime();
    const spec = { holderIdentity: identity, leaseDurationSeconds: this.duration, renewTime: now };
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
      await this.api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: { ...spec, acquireTime: spec.renewTime } } });
      return true;
    }
    const holder = lease.spec?.holderIdentity;
    const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
    const expired = now.getTime() - renewed > (lease.spec?.leaseDurationSeconds ?? this.duration) * 1000;
    if (holder && holder !== identity && !expired) return false;
    const takeover = holder !== identity ? { acquireTime: spec.renewTime, leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 } : {};
    await this.api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: { ...lease.spec, ...spec, ...takeover } } });
    return true;
  }
}
