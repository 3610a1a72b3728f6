import { spawn } from 'node:child_process';
import * as path from 'node:path';

export interface Outcome {
  readonly server?: string;
  readonly code?: number;
  readonly details?: string;
  readonly user?: string;
}

const CLIENT = path.join(__dirname, 'controller-xds-client.ts');

export interface Scenario {
  readonly xdsServer: string;
  readonly target: string;
  readonly calls: number;
  /** Header sent on every call. */
  readonly headers?: Record<string, string>;
  /** Spreads calls over this many users, sending x-user: user-<i % users>. */
  readonly users?: number;
  /** Pause between calls, for detectors that work on time windows (outlier detection). */
  readonly gapMs?: number;
  /**
   * Keep calling (up to `calls`) until this server has answered `settle` times in a row; prints
   * `{"ready":true}` after the first answer so that the test can change the configuration then.
   */
  readonly until?: { readonly server: string; readonly settle: number };
}

/**
 * Runs one scenario in a fresh child process with a grpc-js-xds client; killed if it does not
 * finish. `onReady` runs once the client has made its first call (scenarios with `until`).
 */
export function runXdsScenario(scenario: Scenario, timeoutMs = 50_000, onReady?: () => void): Promise<Outcome[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLIENT, JSON.stringify(scenario)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`scenario ${scenario.target} did not finish: ${err.slice(-2000)}`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      const before = out;
      out += d.toString();
      if (onReady && !before.includes('"ready"') && out.includes('"ready"')) onReady();
    });
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
