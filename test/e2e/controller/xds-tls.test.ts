import { credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../../lib/xds';
import { AdsTestClient, namesOf } from '../../support/controller-ads-client';
import { manifest, startLocalController, type LocalControllerHarness } from '../../support/controller-harness';
import { proxylessNode } from '../../support/controller-fixtures';

describe('xDS over TLS (proxies in a cluster)', () => {
  let harness: LocalControllerHarness;
  const clients: AdsTestClient[] = [];

  beforeAll(async () => {
    harness = await startLocalController({ xdsTls: true, manifests: [manifest('MeshService', 'reviews', { selector: { app: 'reviews' }, ports: [{ port: 9080, protocol: 'grpc' }] })] });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await harness?.close();
  });

  it('serves a client that trusts the mesh root, with a certificate for the name it dials', async () => {
    const root = Buffer.from(harness.running.controller.trustBundlePem());
    const client = new AdsTestClient(`localhost:${harness.running.xdsPort}`, proxylessNode(), credentials.createSsl(root));
    clients.push(client);
    client.subscribe(TypeUrl.Cluster);
    expect(namesOf(await client.next(TypeUrl.Cluster))).toEqual(['outbound|9080||reviews.default.svc.cluster.local']);
  });

  it('refuses a plaintext client', async () => {
    const client = new AdsTestClient(harness.xdsAddress, proxylessNode('plain'));
    clients.push(client);
    client.subscribe(TypeUrl.Cluster);
    await expect(client.next(TypeUrl.Cluster)).rejects.toThrow(/closed/);
  });
});
