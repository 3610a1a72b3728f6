import type { Logger } from 'pino';
import type { ConfigSnapshot } from '../config/snapshot';
import { ListenerRuntime, type ListenerDeps } from './listener-runtime';

const BIND_RETRY_MS = 1_000;

/**
 * Keeps the bound listeners in line with the snapshot: binds new ones, drains removed ones, and
 * rebinds one whose address changed. A listener whose address is unchanged is left alone; it reads
 * its config from the current snapshot per connection.
 */
export class ListenerManager {
  private readonly running = new Map<string, ListenerRuntime>();
  private queue: Promise<void> = Promise.resolve();
  private latest: ConfigSnapshot | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly deps: ListenerDeps,
    private readonly logger: Logger,
    private readonly drainDeadlineMs: number,
    /** Rewrites 0.0.0.0 outbound binds to the proxy's OUTBOUND_IP in local mode. */
    private readonly bindHost: (host: string, direction: 'inbound' | 'outbound') => string,
  ) {}

  /** Serialised so overlapping updates cannot bind the same port twice. */
  reconcile(snapshot: ConfigSnapshot): Promise<void> {
    this.latest = snapshot;
    this.queue = this.queue.then(() => this.apply(snapshot));
    return this.queue;
  }

  get(name: string): ListenerRuntime | undefined {
    return this.running.get(name);
  }

  async drainAll(deadlineMs: number): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.queue;
    await Promise.all([...this.running.values()].map((listener) => listener.drain(deadlineMs)));
    this.running.clear();
  }

  /** A port still held (by a process going away, say) is tried again with the latest config. */
  private retryBind(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.latest && !this.stopped) void this.reconcile(this.latest);
    }, BIND_RETRY_MS);
    this.retryTimer.unref();
  }

  private async apply(snapshot: ConfigSnapshot): Promise<void> {
    if (this.stopped) return;
    for (const [name, runtime] of this.running) {
      const config = snapshot.listeners.get(name);
      if (config && this.bindHost(config.host, config.direction) === runtime.host && config.port === runtime.port) continue;
      this.running.delete(name);
      void runtime.drain(this.drainDeadlineMs);
      this.logger.info({ event: 'listener.removed', listener: name }, 'listener draining');
    }
    for (const [name, config] of snapshot.listeners) {
      if (this.running.has(name)) continue;
      const runtime = new ListenerRuntime(name, this.bindHost(config.host, config.direction), config.port, this.deps);
      try {
        await runtime.listen();
        this.running.set(name, runtime);
        this.logger.info({ event: 'listener.added', listener: name, address: `${runtime.host}:${runtime.boundPort}` }, 'listener bound');
      } catch (error) {
        this.logger.error({ event: 'listener.bind_failed', listener: name, err: error, retryInMs: BIND_RETRY_MS }, 'cannot bind listener');
        this.retryBind();
      }
    }
  }
}
