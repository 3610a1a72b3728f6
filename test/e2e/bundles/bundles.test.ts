import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESH_DASHBOARDS } from '../../../constructs/grafana-dashboards';
import { createServingCertificate } from '../../../controller/webhooks';
import { buildBundles } from '../../../scripts/build-bundles';
import { waitFor } from '../../support/wait';
import { exposedMetricNames, promqlMetricNames } from './promql-metric-names';

// The images run `node proxy.js` / `node controller.js` from a folder holding only the bundle and
// the copied protos; so does this test, outside the repository so no node_modules above can help.
const work = mkdtempSync(path.join(tmpdir(), 'meshform-bundles-'));
const run = path.join(work, 'run');
const children: ChildProcess[] = [];

interface Started {
  readonly child: ChildProcess;
  /** The first JSON line the process printed with `"event":"ready"`. */
  readonly ready: Record<string, number>;
  output(): string;
}

function start(script: string, args: string[], env: Record<string, string> = {}): Promise<Started> {
  // A minimal environment: nothing from the developer's shell (NODE_PATH, NODE_OPTIONS) may help the bundle.
  const child = spawn(process.execPath, [script, ...args], { cwd: run, env: { PATH: process.env['PATH'] ?? '', MESHFORM_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}:\n${stdout}\n${stderr}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.includes('"event":"ready"'));
      if (line) resolve({ child, ready: JSON.parse(line), output: () => stdout + stderr });
    });
  });
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function stopAll(): Promise<void> {
  return Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.removeAllListeners('exit');
          const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  ).then(() => undefined);
}

let controller: Started;
/** The proxy's admin port once it is running (the dashboards check scrapes it). */
let proxyAdminPort: number | undefined;

beforeAll(async () => {
  await buildBundles(path.join(work, 'build'));
  mkdirSync(run);
  for (const entry of ['proxy.js', 'controller.js', 'node_modules', 'dashboard']) cpSync(path.join(work, 'build', entry), path.join(run, entry), { recursive: true });
  mkdirSync(path.join(run, 'manifests'));
  // REGISTRY_ONLY: the controller sends no passthrough cluster (ORIGINAL_DST), which the proxy does not support yet.
  writeFileSync(path.join(run, 'manifests', 'mesh.yaml'), 'apiVersion: meshform.dev/v1alpha1\nkind: Mesh\nmetadata:\n  name: default\nspec:\n  outboundPolicy: REGISTRY_ONLY\n');
  // The local source watches the registry's folder, which must exist.
  mkdirSync(path.join(run, '.meshform'));
  controller = await start('controller.js', ['--local', 'manifests', '--registry', '.meshform/registry.json', '--host', '127.0.0.1', '--xds-port', '0', '--admin-port', '0']);
}, 120_000);

afterAll(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('the bundles, run as the images run them', () => {
  it('need nothing but the copied Envoy protos beside them', () => {
    expect(readdirSync(run).sort()).toEqual(['.meshform', 'controller.js', 'dashboard', 'manifests', 'node_modules', 'proxy.js']);
    expect(readdirSync(path.join(run, 'node_modules'))).toEqual(['@grpc']);
    expect(readdirSync(path.join(run, 'node_modules', '@grpc'))).toEqual(['grpc-js-xds']);
    expect(existsSync(path.join(run, 'node_modules', '@grpc', 'grpc-js-xds', 'build'))).toBe(false);
    expect(existsSync(path.join(path.dirname(run), 'node_modules'))).toBe(false);
  });

  it('answer --help (exit 0) and an unknown flag (usage, exit 2) as the meshform command does', () => {
    const node = (...args: string[]) => spawnSync(process.execPath, args, { cwd: run, env: { PATH: process.env['PATH'] ?? '' }, encoding: 'utf8', timeout: 30_000 });
    const proxyHelp = node('proxy.js', '--help');
    expect(proxyHelp.status).toBe(0);
    expect(proxyHelp.stdout).toContain('Usage: proxy --bootstrap <file>');
    const webhooksHelp = node('controller.js', 'webhooks', '--help');
    expect(webhooksHelp.status).toBe(0);
    expect(webhooksHelp.stdout).toContain('Usage: controller webhooks --cert <pem>');
    const bogus = node('controller.js', '--local', 'manifests', '--bogus');
    expect(bogus.status).toBe(2);
    expect(bogus.stderr).toMatch(/^error: unknown option '--bogus'\n/);
    expect(bogus.stderr).toContain('Usage: controller --local <dir> | --kubernetes [options]');
  });

  it('controller.js starts in local mode and answers /healthz, /readyz and /metrics', async () => {
    const admin = `http://127.0.0.1:${controller.ready['adminPort']}`;
    expect((await get(`${admin}/healthz`)).status).toBe(200);
    await waitFor('controller /readyz 200', async () => (await get(`${admin}/readyz`)).status === 200);
    expect((await get(`${admin}/metrics`)).body).toContain('meshform_xds_connected_proxies');
  });

  it('controller.js serves the dashboard page built beside it, with no esbuild or page sources at hand', async () => {
    const page = `http://127.0.0.1:${controller.ready['adminPort']}/debug/dashboard/`;
    expect((await get(page)).body).toContain('<title>Meshform dashboard</title>');
    const script = await get(`${page}app.js`);
    expect(script.status).toBe(200);
    expect(script.body.length).toBeGreaterThan(100_000);
  });

  it('proxy.js expands ${POD_IP} in an injected bootstrap, gets its config from controller.js and turns /ready', async () => {
    const adminPort = (proxyAdminPort = await freePort());
    writeFileSync(
      path.join(run, 'bootstrap.json'),
      JSON.stringify({
        node: { id: 'sidecar~${POD_IP}~reviews.shop~shop.svc.cluster.local', cluster: 'reviews', metadata: { NAMESPACE: 'shop', WORKLOAD: 'reviews', INSTANCE_IP: '${POD_IP}' } },
        controller: { address: `127.0.0.1:${controller.ready['xdsPort']}` },
        admin: { address: '127.0.0.1', port: adminPort },
      }),
    );
    const proxy = spawn(process.execPath, ['proxy.js', '--bootstrap', 'bootstrap.json'], { cwd: run, env: { PATH: process.env['PATH'] ?? '', POD_IP: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(proxy);
    let output = '';
    proxy.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proxy.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor('proxy /ready 200', async () => {
      if (proxy.exitCode !== null) throw new Error(`proxy.js exited with ${proxy.exitCode}: ${output}`);
      return (await get(`http://127.0.0.1:${adminPort}/ready`)).status === 200;
    }, 40_000);
    // The controller saw the node id with the pod IP expanded.
    const proxies = JSON.parse((await get(`http://127.0.0.1:${controller.ready['adminPort']}/debug/proxies`)).body) as { id: string }[];
    expect(proxies.map((p) => p.id)).toContain('sidecar~127.0.0.1~reviews.shop~shop.svc.cluster.local');
    expect((await get(`http://127.0.0.1:${adminPort}/stats/prometheus`)).body).toMatch(/^meshform_controller_connected 1$/m);
  });

  it('export every metric the Grafana dashboards query (a live scrape of proxy.js and controller.js)', async () => {
    expect(proxyAdminPort, 'the proxy test ran first').toBeDefined();
    const exposed = new Set([
      ...exposedMetricNames((await get(`http://127.0.0.1:${proxyAdminPort}/stats/prometheus`)).body),
      ...exposedMetricNames((await get(`http://127.0.0.1:${controller.ready['adminPort']}/metrics`)).body),
    ]);
    const queried = MESH_DASHBOARDS.flatMap((d) => d.panels.flatMap((p) => p.queries.map((q) => ({ where: `${d.title} / ${p.title}`, names: promqlMetricNames(q.expr) }))));
    expect(queried.every((q) => q.names.length > 0), 'every query selects a metric').toBe(true);
    const missing = queried.flatMap((q) => q.names.filter((n) => !exposed.has(n)).map((n) => `${q.where}: ${n}`));
    expect(missing).toEqual([]);
  });

  it('controller.js webhooks serves the admission webhooks over TLS and answers /healthz', async () => {
    const tls = await createServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    writeFileSync(path.join(run, 'tls.crt'), tls.certPem);
    writeFileSync(path.join(run, 'tls.key'), tls.keyPem);
    writeFileSync(path.join(run, 'injection.json'), JSON.stringify({ proxyImage: 'ghcr.io/meshform/proxy:0.1.0' }));
    const webhooks = await start('controller.js', ['webhooks', '--port', '0', '--host', '127.0.0.1', '--cert', 'tls.crt', '--key', 'tls.key', '--injection-config', 'injection.json']);
    const status = await new Promise<number>((resolve, reject) => {
      httpsRequest({ host: '127.0.0.1', port: webhooks.ready['webhookPort'], path: '/healthz', ca: tls.caPem, servername: 'localhost' }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(200);
  });
});
