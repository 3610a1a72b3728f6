import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

const running = new Set<ChildProcess>();
const stderrTails = new WeakMap<ChildProcess, string>();
let hooksInstalled = false;

/**
 * Every process a benchmark starts goes through here, so none outlives the run: whatever ends it
 * (a thrown error, Ctrl-C, a CI timeout's SIGTERM), the survivors get SIGKILL on the way out.
 */
export function startTracked(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  installHooks();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  running.add(child);
  child.once('exit', () => running.delete(child));
  // Always drained (a full pipe would stall the process); the tail explains an early exit.
  child.stderr?.on('data', (d: Buffer) => stderrTails.set(child, ((stderrTails.get(child) ?? '') + d.toString()).slice(-2_000)));
  return child;
}

/** The last lines a tracked process wrote to stderr. */
export function stderrTail(child: ChildProcess): string {
  return stderrTails.get(child) ?? '';
}

/** SIGTERM (so Node writes its --cpu-prof profile), SIGKILL after the deadline; resolves once it has exited. */
export async function stopTracked(child: ChildProcess, deadlineMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  await exited;
  clearTimeout(timer);
}

/** Collects a process's stdout and resolves with it when it exits 0; otherwise rejects with its stderr's tail. */
export function outputOf(child: ChildProcess, what: string): Promise<string> {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve(out) : reject(new Error(`${what} exited with ${code ?? signal}:\n${stderrTail(child)}`))));
  });
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
}

/** Resolves at the first stdout line `test` accepts; rejects if the process exits first or after `timeoutMs`. */
export function waitForLine(child: ChildProcess, what: string, test: (line: string) => boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const done = (error?: Error) => {
      clearTimeout(timer);
      lines.removeAllListeners('line');
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => done(new Error(`${what} was not ready within ${timeoutMs} ms: ${stderrTail(child)}`)), timeoutMs);
    const onExit = (code: number | null) => done(new Error(`${what} exited with ${code} before it was ready: ${stderrTail(child)}`));
    lines.on('line', (line) => test(line) && done());
    child.once('exit', onExit);
  });
}
