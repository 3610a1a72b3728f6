import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';

/** How a process ended: its exit code, or the signal that ended it. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const KEPT_LINES = 8;

/** A process the runner started, stopped with it whatever happens. */
export class ManagedProcess {
  /** Resolves when the process has ended, with how. */
  readonly exited: Promise<ProcessExit>;
  private readonly stdoutLines = new EventEmitter();
  private readonly tail: string[] = [];

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    // Both streams are always read: a child blocks once a pipe nobody reads is full.
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.keep(line);
      this.stdoutLines.emit('line', line);
    });
  }

  /** The last lines the process wrote (stdout and stderr), oldest first: what a crash report shows. */
  lastLines(): readonly string[] {
    return this.tail;
  }

  keep(line: string): void {
    this.tail.push(line);
    if (this.tail.length > KEPT_LINES) this.tail.shift();
  }

  /** Resolves with the first stdout line that `test` accepts; rejects if the process exits first. */
  waitForLine<T>(test: (line: string) => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`${this.name} did not become ready within ${timeoutMs} ms`)), timeoutMs);
      const onLine = (line: string) => {
        const value = test(line);
        if (value !== undefined) done(undefined, value);
      };
      const onExit = (code: number | null) => done(new Error(`${this.name} exited with ${code} before it was ready`));
      const done = (error?: Error, value?: T) => {
        clearTimeout(timer);
        this.stdoutLines.off('line', onLine);
        this.child.off('exit', onExit);
        if (error) reject(error);
        else resolve(value as T);
      };
      this.stdoutLines.on('line', onLine);
      this.child.once('exit', onExit);
    });
  }

  /** Whether the process has ended (for any reason). */
  get ended(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** SIGTERM (drain), then SIGKILL after the deadline. */
  async stop(deadlineMs = 5_000): Promise<void> {
    if (this.ended) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), deadlineMs);
    await this.exited;
    clearTimeout(timer);
  }
}

const children = new Set<ManagedProcess>();
let exitHookInstalled = false;

/** Starts a Node process (with `nodeFlags`) running the meshform CLI script `entry`; it dies with the runner even if the runner crashes. */
export function startCli(name: string, entry: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; nodeFlags?: readonly string[]; onStderr?: (line: string) => void } = {}): ManagedProcess {
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), entry, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  const managed = new ManagedProcess(name, child);
  children.add(managed);
  child.once('exit', () => children.delete(managed));
  createInterface({ input: child.stderr! }).on('line', (line) => {
    managed.keep(line);
    options.onStderr?.(line);
  });
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of children) c.child.kill('SIGKILL');
    });
  }
  return managed;
}
