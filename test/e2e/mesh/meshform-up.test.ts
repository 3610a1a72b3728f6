import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { meshformUp } from '../../support/meshform-up';
import { service, synthesize } from './local-mesh-fixture';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-up-'));
const manifests = path.join(root, 'manifests');
const workspace = path.join(root, 'workspace');
const cli = path.resolve(__dirname, '../../../bin/meshform.cjs');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Pids of a process's descendants, from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const ppid = Number(fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number) => (children.get(p) ?? []).forEach((c) => (out.push(c), walk(c)));
  walk(pid);
  return out;
}

/** Running, not a zombie: an exited child waits for a reaper that this container's init may not be. */
const alive = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
  } catch {
    return false;
  }
};

describe('meshform up and meshform stat', () => {
  it('starts the mesh, prints a working curl line, reports golden signals, and stops every process on SIGTERM', async () => {
    synthesize(manifests, (chart) => {
      const ratings = service(chart, 'ratings');
      service(chart, 'reviews', ['v1'], { calls: [ratings] });
    });
    const { up, output } = await meshformUp(['--manifests', manifests, '--workspace', workspace], (line) => line.includes("curl -H 'host: reviews:9080'"));
    try {
      const curl = output.find((l) => l.includes("curl -H 'host: reviews:9080'"))!.trim();
      const [, host, url, printed] = /curl -H 'host: ([^']+)' (\S+)\s+# (\d+)/.exec(curl)!;
      expect(printed).toBe('200');
      const served = execFileSync('curl', ['-s', '-H', `host: ${host}`, url!], { encoding: 'utf8' });
      expect(JSON.parse(served).servedBy.service).toBe('reviews');

      // Traffic while `meshform stat` watches its window.
      const stat = promisify(execFile)(process.execPath, [cli, 'stat', '--workspace', workspace, '--window', '3s'], { encoding: 'utf8' });
      const statuses: string[] = [];
      const until = Date.now() + 2_500;
      while (Date.now() < until) statuses.push(execFileSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `host: ${host}`, url!], { encoding: 'utf8' }));
      expect(new Set(statuses)).toEqual(new Set(['200']));
      const table = (await stat).stdout.split('\n');
      expect(table[0]).toMatch(/^SERVICE\s+ROUTE\s+RPS\s+SUCCESS\s+P50\s+P95\s+P99/);
      expect(table.find((l) => l.startsWith('reviews ')), table.join('\n')).toMatch(/^reviews\s+\S+\s+[1-9][0-9.]*\s+100\.00%\s+[0-9.]+ms/);
    } finally {
      const children = descendants(up.pid!);
      expect(children.length).toBeGreaterThanOrEqual(4);
      up.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => (up.exitCode !== null ? resolve(up.exitCode) : up.once('exit', resolve)));
      expect(code).toBe(0);
      expect(children.filter(alive)).toEqual([]);
      expect(fs.existsSync(path.join(workspace, 'mesh.json'))).toBe(false);
    }
  });
});
