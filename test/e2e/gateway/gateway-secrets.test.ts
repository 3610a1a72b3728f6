import { afterEach, describe, expect, it } from 'vitest';
import { toStruct, TypeUrl, type XdsNode } from '../../../lib/xds';
import { sha256Hex } from '../../../controller/sources/local-registry';
import { tlsSecretObject } from '../../support/certificates';
import { AdsTestClient, resourcesOf } from '../../support/controller-ads-client';
import { adminJson, eventually, manifest, startLocalController, type LocalControllerHarness } from '../../support/controller-harness';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
const SDS_NAME = 'kubernetes://shop/shop-tls';

const GATEWAY = manifest('MeshGateway', 'edge', { listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', hostname: 'shop.example.com', tls: { certificates: [{ secretName: 'shop-tls' }] } }] }, 'shop');
const REGISTRY = {
  version: 1,
  workloads: [
    { name: 'gateway-edge', namespace: 'shop', address: '127.0.0.20', labels: { 'meshform.dev/gateway': 'edge' }, serviceAccount: 'edge', tokenSha256: sha256Hex('edge-token') },
    { name: 'web-0', namespace: 'shop', address: '127.0.0.21', labels: { app: 'web' }, serviceAccount: 'web', tokenSha256: sha256Hex('web-token') },
  ],
};
const gatewayNode = (serviceAccount: string, token: string): XdsNode => ({ id: `router~127.0.0.20~gateway-edge.shop~shop.svc.cluster.local`, cluster: 'gateway-edge', metadata: toStruct({ GATEWAY: 'shop/edge', SERVICE_ACCOUNT: serviceAccount, TOKEN: token }) }) as XdsNode;

describe('a gateway\'s TLS Secrets over SDS', () => {
  let harness: LocalControllerHarness;
  const clients: AdsTestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await harness.close();
  });
  const connect = (node: XdsNode) => {
    const client = new AdsTestClient(harness.xdsAddress, node);
    clients.push(client);
    client.subscribe(TypeUrl.Secret, ['default', 'ROOTCA', SDS_NAME]);
    return client;
  };

  it('sends the listener\'s certificate to the proxy that proved the gateway\'s identity', async () => {
    harness = await startLocalController({ manifests: [GATEWAY, tlsSecretObject('shop-tls', 'shop', 'shop.example.com')], registry: REGISTRY });
    const sent = resourcesOf(await connect(gatewayNode('edge', 'edge-token')).next(TypeUrl.Secret)) as Loose[];
    const secret = sent.find((r) => r.name === SDS_NAME);
    expect(secret.tls_certificate.certificate_chain.inline_string).toMatch(/BEGIN CERTIFICATE/);
    expect(secret.tls_certificate.private_key.inline_string).toMatch(/PRIVATE KEY/);
  });

  it('sends no gateway key to a proxy that proved another identity while claiming the gateway', async () => {
    harness = await startLocalController({ manifests: [GATEWAY, tlsSecretObject('shop-tls', 'shop', 'shop.example.com')], registry: REGISTRY });
    const sent = resourcesOf(await connect(gatewayNode('web', 'web-token')).next(TypeUrl.Secret)) as Loose[];
    expect(sent.map((r) => r.name).sort()).toEqual(['ROOTCA', 'default']);
  });

  it('reports a Secret the manifests lack on the MeshGateway, and sends the listener none', async () => {
    harness = await startLocalController({ manifests: [GATEWAY], registry: REGISTRY });
    await eventually(async () => {
      const { resources } = await adminJson(harness, '/debug/resources');
      return (resources as Loose[]).some((r) => r.kind === 'MeshGateway' && r.reason === 'MISSING_SECRET') || undefined;
    }, 'the MISSING_SECRET status');
    const client = connect(gatewayNode('edge', 'edge-token'));
    client.subscribe(TypeUrl.Listener);
    expect(resourcesOf(await client.next(TypeUrl.Listener))).toEqual([]);
  });
});
