import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A process the runner started, stopped with it whatever happens. */
export class ManagedProcess {
  private exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Resolves with the first stdout line that `test` accepts; rejects if the process exits first. */
  waitForLine<T>(test: (line: string) => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const lines = createInterface({ input: this.child.stdout! });
      const timer = setTimeout(() => done(new Error(`${this.name} did not become ready within ${timeoutMs} ms`)), timeoutMs);
      const done = (error?: Error, value?: T) => {
        clearTimeout(timer);
        lines.removeAllListeners('line');
        this.child.off('exit', onExit);
        if (error) reject(error);
        else resolve(value as T);
      };
      const onExit = (code: number | null) => done(new Error(`${this.name} exited with ${code} before it was ready`));
      lines.on('line', (line) => {
        const value = test(line);
        if (value !== undefined) done(undefined, value);
      });
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
  const stderr = createInterface({ input: child.stderr! });
  stderr.on('line', (line) => options.onStderr?.(line));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of children) c.child.kill('SIGKILL');
    });
  }
  return managed;
}
