import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

const CLI = path.resolve(__dirname, '../../bin/meshform.cjs');

/**
 * Starts `meshform up <args>` on a random loopback subnet and resolves once a line of its output
 * satisfies `until`; rejects with the output if it exits first. The caller stops it (SIGTERM).
 */
export async function meshformUp(args: readonly string[], until: (line: string) => boolean, options: { cwd?: string } = {}): Promise<{ up: ChildProcess; output: string[] }> {
  const up = spawn(process.execPath, [CLI, 'up', ...args, '--subnet', String(20 + Math.floor(Math.random() * 200))], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    up.once('exit', (code) => reject(new Error(`meshform up exited with ${code}:\n${output.join('\n')}`)));
    createInterface({ input: up.stdout! }).on('line', (line) => {
      output.push(line);
      if (until(line)) resolve();
    });
  });
  return { up, output };
}

/** SIGTERM, then its exit code. */
export async function stopMeshformUp(up: ChildProcess): Promise<number | null> {
  up.kill('SIGTERM');
  return new Promise((done) => (up.exitCode !== null ? done(up.exitCode) : up.once('exit', done)));
}
