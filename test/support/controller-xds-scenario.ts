import { spawn } from 'node:child_process';
import * as path from 'node:path';

export interface Outcome {
  readonly server?: string;
  readonly code?: number;
  readonly details?: string;
  readonly user?: string;
}

const CLIENT = path.join(__dirname, 'controller-xds-client.ts');

/** Runs one scenario in a fresh child process with a grpc-js-xds client; killed if the test ends first. */
export function runXdsScenario(scenario: { xdsServer: string; target: string; calls: number; headers?: Record<string, string>; users?: number; gapMs?: number }, timeoutMs = 50_000): Promise<Outcome[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLIENT, JSON.stringify(scenario)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`scenario ${scenario.target} did not finish: ${err.slice(-2000)}`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`xDS client exited with ${code}: ${err.slice(-2000)}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Outcome[]);
    });
  });
}

/** Share of outcomes matching a predicate, in percent. */
export function percentOf(outcomes: readonly Outcome[], predicate: (o: Outcome) => boolean): number {
  return (outcomes.filter(predicate).length / outcomes.length) * 100;
}
