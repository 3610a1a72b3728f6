import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { ApiObject } from 'cdk8s';
import { afterAll, describe, expect, it } from 'vitest';
import { service, synthesize } from '../mesh/local-mesh-fixture';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-up-gateway-'));
const manifests = path.join(root, 'manifests');
const workspace = path.join(root, 'workspace');
const cli = path.resolve(__dirname, '../../../bin/meshform.cjs');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('meshform up with an ingress gateway', () => {
  it('prints a curl --resolve line through the gateway that works with real TLS and the demo CA', async () => {
    synthesize(manifests, (chart) => {
      service(chart, 'productpage');
      new ApiObject(chart, 'gateway', {
        apiVersion: 'meshform.dev/v1alpha1',
        kind: 'MeshGateway',
        metadata: { name: 'ingress' },
        spec: { listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', hostname: 'bookinfo.example.com', tls: { certificates: [{ secretName: 'bookinfo-tls' }] } }] },
      } as never);
      new ApiObject(chart, 'route', {
        apiVersion: 'meshform.dev/v1alpha1',
        kind: 'GatewayRoute',
        metadata: { name: 'productpage' },
        spec: { parentRefs: [{ name: 'ingress' }], rules: [{ matches: [{ path: { type: 'Prefix', value: '/productpage' } }], backends: [{ name: 'productpage' }] }] },
      } as never);
    });
    const up = spawn(process.execPath, [cli, 'up', '--manifests', manifests, '--workspace', workspace, '--subnet', String(20 + Math.floor(Math.random() * 200))], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        up.once('exit', (code) => reject(new Error(`meshform up exited with ${code}:\n${output.join('\n')}`)));
        const lines = createInterface({ input: up.stdout! });
        lines.on('line', (line) => {
          output.push(line);
          // The guide follows "mesh is up"; the gateway calls are its first lines.
          if (/curl --resolve .*# \d+/.test(line)) resolve();
        });
      });
      const line = output.find((l) => l.includes('curl --resolve'))!.trim();
      const [, resolve, caFile, url, printed] = /curl --resolve (\S+) --cacert (\S+) (\S+)\s+# (\d+)/.exec(line)!;
      expect(printed).toBe('200');
      expect(url).toBe('https://bookinfo.example.com:10443/productpage');
      const served = execFileSync('curl', ['-s', '--resolve', resolve!, '--cacert', caFile!, url!], { encoding: 'utf8' });
      expect(JSON.parse(served).servedBy.service).toBe('productpage');
    } finally {
      up.kill('SIGTERM');
      const code = await new Promise<number | null>((done) => (up.exitCode !== null ? done(up.exitCode) : up.once('exit', done)));
      expect(code, output.join('\n')).toBe(0);
    }
  }, 120_000);
});
