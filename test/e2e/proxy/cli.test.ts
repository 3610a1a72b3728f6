import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { fromStruct, TypeUrl } from '../../../lib/xds';
import { request } from '../../support/http-client';
import { freePort, ManagedProcess } from '../../support/processes';
import { UpstreamServer } from '../../support/upstream-server';
import { cluster, endpoints, httpListener, prefix, route, routeConfig, toCluster, virtualHost } from '../../support/xds-resources';
import { TestXdsServer } from '../../support/xds-test-server';
import { waitFor } from '../../support/wait';

describe('meshform proxy --bootstrap (through cli/main.ts)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('starts from a YAML bootstrap, sends its token, and on SIGTERM finishes in-flight requests before exiting', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshform-proxy-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const xds = await TestXdsServer.start();
    cleanups.push(() => xds.stop());
    const held: (() => void)[] = [];
    const app = await UpstreamServer.start('app', (req, res) => {
      if (req.url === '/slow') held.push(() => res.end('finished'));
      else res.end('ok');
    });
    cleanups.push(() => app.close());
    const [adminPort, listenPort] = [await freePort(), await freePort()];
    xds.set(TypeUrl.Cluster, [cluster('app')]);
    xds.set(TypeUrl.ClusterLoadAssignment, [endpoints('app', [app.address])]);
    xds.set(TypeUrl.RouteConfiguration, [routeConfig('80', [virtualHost('app', [route(prefix('/'), toCluster('app'))])])]);
    xds.set(TypeUrl.Listener, [httpListener('outbound_80', listenPort, '80')]);
    writeFileSync(path.join(dir, 'token'), 'secret-token\n');
    writeFileSync(
      path.join(dir, 'bootstrap.yaml'),
      stringify({
        node: { id: 'sidecar~127.0.0.1~web.default~default.svc.cluster.local', cluster: 'web', metadata: { NAMESPACE: 'default', WORKLOAD: 'web' } },
        controller: { address: xds.address },
        admin: { address: '127.0.0.1', port: adminPort },
        tokenPath: 'token',
        drainTimeoutMs: 10_000,
      }),
    );
    const proxy = ManagedProcess.tsx('cli/main.ts', ['proxy', '--bootstrap', path.join(dir, 'bootstrap.yaml')]);
    cleanups.push(() => proxy.stop());
    await waitFor('the proxy to be ready', async () => (await request(adminPort, '/ready')).status === 200, 30_000);
    await waitFor('the listener', async () => (await request(listenPort, '/')).status === 200);
    expect(fromStruct(xds.nodes[0]!.metadata)['TOKEN']).toBe('secret-token');

    const slow = request(listenPort, '/slow');
    await waitFor('the slow request upstream', () => held.length === 1);
    proxy.signal('SIGTERM');
    await waitFor('new connections refused', () => request(listenPort, '/').then(() => false, () => true));
    held[0]!();
    expect(await slow).toMatchObject({ status: 200, body: 'finished' });
    expect((await proxy.exited).code).toBe(0);
    expect(proxy.output).toContain('"event":"proxy.draining"');
  });

  it('exits with status 2, the missing option named and the usage, without --bootstrap', async () => {
    const proxy = ManagedProcess.tsx('cli/main.ts', ['proxy']);
    cleanups.push(() => proxy.stop());
    expect((await proxy.exited).code).toBe(2);
    expect(proxy.output).toContain("error: required option '--bootstrap <file>' not specified");
    expect(proxy.output).toContain('Usage: meshform proxy --bootstrap <file>');
  });

  it('exits with status 1 naming the invalid field of a bad bootstrap', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshform-proxy-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, 'bootstrap.json'), JSON.stringify({ node: { id: 'x' }, controller: { address: 'nowhere' }, admin: { port: 1 } }));
    const proxy = ManagedProcess.tsx('cli/main.ts', ['proxy', '--bootstrap', path.join(dir, 'bootstrap.json')]);
    cleanups.push(() => proxy.stop());
    expect((await proxy.exited).code).toBe(1);
    expect(proxy.output).toContain('BOOTSTRAP_INVALID');
    expect(proxy.output).toContain('controller.address');
  });
});
