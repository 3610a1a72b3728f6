import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * Vitest global setup of the e2e and k8s projects: installs what the suite needs
 * (scripts/setup-tests.sh, no-ops when present) before any test starts, so a fresh machine needs no
 * step beyond `npm ci`, and a tool that cannot be installed stops the run with the script's own
 * one-line advice instead of a stack trace deep inside a test.
 */
export default function setup(project: TestProject): void {
  const script = path.resolve(__dirname, '../../scripts/setup-tests.sh');
  const run = spawnSync('bash', [script, project.name], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  process.stderr.write(run.stderr ?? '');
  if (run.status !== 0) {
    const advice = (run.stderr ?? '').trim().split('\n').filter(Boolean).pop() ?? `exit ${run.status}`;
    throw new Error(`the ${project.name} suite cannot start: ${advice}`);
  }
}
