import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-up-gateway-'));
const workspace = path.join(root, 'workspace');
const cli = path.resolve(__dirname, '../../../bin/meshform.cjs');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('meshform up (npm start) on the example mesh', () => {
  it('prints a curl --resolve line through the ingress gateway that works with real TLS and the demo CA, and one that redirects HTTP to it', async () => {
    // The dev environment is synthesized into dist/dev under the working folder: a temporary one.
    const up = spawn(process.execPath, [cli, 'up', '--workspace', workspace, '--subnet', String(20 + Math.floor(Math.random() * 200))], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        up.once('exit', (code) => reject(new Error(`meshform up exited with ${code}:\n${output.join('\n')}`)));
        createInterface({ input: up.stdout! }).on('line', (line) => {
          output.push(line);
          if (line.includes('calls through the ingress sidecar')) resolve();
        });
      });
      const https = output.find((l) => /curl --resolve \S+ --cacert/.test(l))!.trim();
      const [, resolve, caFile, url, printed] = /curl --resolve (\S+) --cacert (\S+) (https:\/\/\S+)\s+# (\d+)/.exec(https)!;
      expect(printed).toBe('200');
      const status = execFileSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--resolve', resolve!, '--cacert', caFile!, url!], { encoding: 'utf8' });
      expect(status).toBe('200');
      const host = new URL(url!).hostname;
      const http = output.find((l) => l.includes('curl --resolve') && l.includes(' http://'))!.trim();
      expect(http).toMatch(new RegExp(`curl --resolve ${host.replace(/\./g, '\\.')}:\\d+:\\S+ http://\\S+\\s+# 301 → https://${host.replace(/\./g, '\\.')}/`));
    } finally {
      up.kill('SIGTERM');
      const code = await new Promise<number | null>((done) => (up.exitCode !== null ? done(up.exitCode) : up.once('exit', done)));
      expect(code, output.join('\n')).toBe(0);
    }
  }, 120_000);
});
