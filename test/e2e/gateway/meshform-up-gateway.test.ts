import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { meshformUp, stopMeshformUp } from '../../support/meshform-up';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-up-gateway-'));
const workspace = path.join(root, 'workspace');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('meshform up (npm start) on the example mesh', () => {
  it('prints a curl --resolve line through the ingress gateway that works with real TLS and the demo CA, and one that redirects HTTP to it', async () => {
    // The dev environment is synthesized into dist/dev under the working folder: a temporary one.
    const { up, output } = await meshformUp(['--workspace', workspace], (line) => line.includes('calls through the ingress sidecar'), { cwd: root });
    try {
      const https = output.find((l) => /curl --resolve \S+ --cacert/.test(l))!.trim();
      const [, resolve, caFile, url, printed] = /curl --resolve (\S+) --cacert (\S+) (https:\/\/\S+)\s+# (\d+)/.exec(https)!;
      expect(printed).toBe('200');
      const status = execFileSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--resolve', resolve!, '--cacert', caFile!, url!], { encoding: 'utf8' });
      expect(status).toBe('200');
      const host = new URL(url!).hostname;
      const http = output.find((l) => l.includes('curl --resolve') && l.includes(' http://'))!.trim();
      expect(http).toMatch(new RegExp(`curl --resolve ${host.replace(/\./g, '\\.')}:\\d+:\\S+ http://\\S+\\s+# 301 → https://${host.replace(/\./g, '\\.')}:10443/`));
    } finally {
      expect(await stopMeshformUp(up), output.join('\n')).toBe(0);
    }
  }, 120_000);
});
