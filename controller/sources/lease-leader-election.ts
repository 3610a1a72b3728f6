import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../logger';

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

  stop(): void {
    clearTimeout(this.timer);
    this.leading = false;
  }

  private get duration(): number {
    return this.options.leaseDurationSeconds ?? 15;
  }

  private async tick(): Promise<void> {
    try {
      this.setLeading(await this.tryAcquireOrRenew());
    } catch (error) {
      this.log.warn({ code: 'LEASE_UNAVAILABLE', err: error }, 'cannot read or write the leader Lease');
      this.setLeading(false);
    }
    this.timer = setTimeout(() => void this.tick(), (this.duration * 1000) / 3);
    this.timer.unref();
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
    if (holder !== identity && !expired) return false;
    await this.api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: { ...lease.spec, ...spec, ...(holder !== identity ? { acquireTime: spec.renewTime } : {}) } } });
    return true;
  }
}
