import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl, unpackAny } from '../../../lib/xds';
import { AdsClient } from '../../../proxy/xds/ads-client';
import { ControllerChannel } from '../../../proxy/xds/controller-channel';
import { TestCa } from '../../support/certificates';
import { manifest, startLocalController, type LocalControllerHarness } from '../../support/controller-harness';
import { proxylessNode } from '../../support/controller-fixtures';
import { waitFor } from '../../support/wait';

/** An ADS client as the proxy runs it, recording its log events and the clusters it was sent (all ACKed). */
function tlsClient(address: string, caFile: string) {
  const events: { event?: string; reason?: string; tls?: boolean }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void events.push(JSON.parse(line)) });
  const clusters: string[][] = [];
  const channel = new ControllerChannel({ address, caFile, logger });
  const client = new AdsClient({
    channel,
    node: () => proxylessNode('proxy-under-test'),
    onResponse: (_type, _version, resources) => {
      clusters.push(resources.map((r) => String((unpackAny(r) as { name: string }).name)));
      return undefined;
    },
    initialBackoffMs: 20,
    maxBackoffMs: 100,
    logger,
  });
  client.subscribe(TypeUrl.Cluster, 'wildcard');
  client.start();
  return { client, channel, events, clusters };
}

describe('the proxy ADS client over TLS', () => {
  let harness: LocalControllerHarness;
  let otherCa: TestCa;
  let dir: string;
  const clients: { client: AdsClient; channel: ControllerChannel }[] = [];
  const servers: Server[] = [];

  beforeAll(async () => {
    harness = await startLocalController({ xdsTls: true, manifests: [manifest('MeshService', 'reviews', { selector: { app: 'reviews' }, ports: [{ port: 9080, protocol: 'http' }] })] });
    otherCa = new TestCa('not the mesh root');
    dir = mkdtempSync(path.join(tmpdir(), 'meshform-ads-tls-'));
  });
  afterAll(async () => {
    for (const { client, channel } of clients) {
      client.close();
      channel.close();
    }
    for (const s of servers) s.forceShutdown();
    await harness?.close();
    otherCa?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('connects to the controller with the mesh root, checking the name it dials, and gets its config', async () => {
    const ca = write('mesh-root.pem', harness.running.controller.trustBundlePem());
    const started = tlsClient(`localhost:${harness.running.xdsPort}`, ca);
    clients.push(started);
    const { events, clusters } = started;
    await waitFor('clusters over TLS', () => clusters.some((names) => names.includes('outbound|9080||reviews.default.svc.cluster.local')));
    expect(events.find((e) => e.event === 'xds.connected')).toMatchObject({ tls: true });
  });

  it('refuses the controller when its certificate does not chain to the configured root', async () => {
    const ca = write('other-root.pem', otherCa.root.cert);
    const started = tlsClient(`localhost:${harness.running.xdsPort}`, ca);
    clients.push(started);
    const { client, events, clusters } = started;
    const refused = await waitFor('a refused handshake', () => events.find((e) => e.event === 'xds.disconnected'));
    expect(refused.reason).toMatch(/certificate/i);
    expect(client.connected).toBe(false);
    expect(clusters).toEqual([]);
  });

  it('refuses a server whose certificate, from the right root, does not name the host dialled', async () => {
    // A certificate from the trusted root carrying only a SPIFFE id: no DNS name, so not "localhost".
    const svid = otherCa.issue('impostor');
    const server = new Server();
    servers.push(server);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(svid.cert), private_key: Buffer.from(svid.key) }]), (e, p) => (e ? reject(e) : resolve(p))),
    );
    const started = tlsClient(`localhost:${port}`, write('impostor-root.pem', otherCa.root.cert));
    clients.push(started);
    const { client, events } = started;
    const refused = await waitFor('a refused handshake', () => events.find((e) => e.event === 'xds.disconnected'));
    expect(refused.reason).toMatch(/does not match certificate's altnames|altnames/i);
    expect(client.connected).toBe(false);
  });

  it('reads the root file again before reconnecting, so a rotated bundle is picked up without a restart', async () => {
    const ca = write('rotating-root.pem', otherCa.root.cert);
    const started = tlsClient(`localhost:${harness.running.xdsPort}`, ca);
    clients.push(started);
    const { client, events, clusters } = started;
    await waitFor('a refused handshake', () => events.some((e) => e.event === 'xds.disconnected'));
    // As the kubelet updates a mounted ConfigMap: both roots, the mesh's among them.
    writeFileSync(ca, `${otherCa.root.cert}\n${harness.running.controller.trustBundlePem()}`);
    await waitFor('clusters after the bundle changed', () => clusters.length > 0);
    expect(events.some((e) => e.event === 'xds.controller_ca_changed')).toBe(true);
    expect(client.connected).toBe(true);
  });
});
