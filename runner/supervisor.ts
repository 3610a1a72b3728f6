import type { ManagedProcess, ProcessExit } from './child-process';

/** What a supervisor tells about the process it keeps running. */
export type SupervisionEvent =
  | {
      /** The process ended without being asked to. */
      readonly type: 'exited';
      readonly name: string;
      readonly exit: ProcessExit;
      /** How long it had run, in milliseconds. */
      readonly uptimeMs: number;
      /** Its last output lines, oldest first. */
      readonly lastLines: readonly string[];
      /** When it starts again. */
      readonly restartInMs: number;
    }
  | {
      /** A restarted process is ready again. */
      readonly type: 'restarted';
      readonly name: string;
      /** Restarts so far, this one included. */
      readonly restarts: number;
      /** From the exit to ready again, in milliseconds. */
      readonly downMs: number;
    }
  | {
      /** A restarted process did not become ready; it is restarted again when it ends. */
      readonly type: 'not-ready';
      readonly name: string;
      readonly reason: string;
    };

/** Restart delays: doubling from `initialMs` up to `maxMs`, back to `initialMs` once a run lasted `stableMs`. */
export interface Backoff {
  /** @default 100 */
  readonly initialMs?: number;
  /** @default 10_000 */
  readonly maxMs?: number;
  /** @default 10_000 */
  readonly stableMs?: number;
}

export interface SupervisorOptions {
  /** Starts the process (again). */
  readonly launch: () => ManagedProcess;
  /** Resolves once a started process serves; rejects when it will not. */
  readonly ready: (process: ManagedProcess) => Promise<void>;
  readonly onEvent: (event: SupervisionEvent) => void;
  readonly backoff?: Backoff;
}

/**
 * Keeps one process running, as a kubelet keeps a container: an exit nobody asked for is reported
 * at once (how it ended, its last lines) and the process is started again after a backoff that grows
 * while it keeps dying young.
 */
export class Supervisor {
  private process: ManagedProcess;
  private startedAt = Date.now();
  private failures = 0;
  private restarts = 0;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    private readonly options: SupervisorOptions,
  ) {
    this.process = this.start();
  }

  /** The process running now (a new one after each restart). */
  get current(): ManagedProcess {
    return this.process;
  }

  /** Resolves once the current process is ready. */
  ready(): Promise<void> {
    return this.options.ready(this.process);
  }

  /** Stops the process and the supervision: no exit is reported or restarted from now on. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.process.stop();
  }

  private start(): ManagedProcess {
    const process = this.options.launch();
    this.startedAt = Date.now();
    void process.exited.then((exit) => this.onExit(process, exit));
    return process;
  }

  private onExit(process: ManagedProcess, exit: ProcessExit): void {
    if (this.stopping) return;
    const exitedAt = Date.now();
    const uptimeMs = exitedAt - this.startedAt;
    const { initialMs = 100, maxMs = 10_000, stableMs = 10_000 } = this.options.backoff ?? {};
    if (uptimeMs >= stableMs) this.failures = 0;
    const restartInMs = Math.min(maxMs, initialMs * 2 ** this.failures++);
    this.options.onEvent({ type: 'exited', name: this.name, exit, uptimeMs, lastLines: [...process.lastLines()], restartInMs });
    this.timer = setTimeout(() => {
      if (this.stopping) return;
      const restarted = (this.process = this.start());
      this.options.ready(restarted).then(
        () => this.options.onEvent({ type: 'restarted', name: this.name, restarts: ++this.restarts, downMs: Date.now() - exitedAt }),
        (error: Error) => {
          if (!this.stopping && !restarted.ended) this.options.onEvent({ type: 'not-ready', name: this.name, reason: error.message });
        },
      );
    }, restartInMs);
  }
}

/** One or a few lines a terminal shows for an event. */
export function describeSupervisionEvent(event: SupervisionEvent): string {
  switch (event.type) {
    case 'exited': {
      const how = event.exit.signal ? `was killed by ${event.exit.signal}` : `exited with code ${event.exit.code}`;
      const lines = event.lastLines.length ? ['  its last lines:', ...event.lastLines.map((l) => `  | ${l}`)] : ['  (it wrote nothing)'];
      return [`${event.name} ${how} after ${(event.uptimeMs / 1000).toFixed(1)} s; restarting in ${(event.restartInMs / 1000).toFixed(1)} s`, ...lines].join('\n');
    }
    case 'restarted':
      return `${event.name} is back (restart ${event.restarts}, down ${(event.downMs / 1000).toFixed(1)} s)`;
    case 'not-ready':
      return `${event.name} restarted but is not ready: ${event.reason}`;
  }
}
