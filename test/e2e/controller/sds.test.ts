import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { TypeUrl, type DiscoveryResponse } from '../../../lib/xds';
import { sha256Hex } from '../../../controller/sources/local-registry';
import { AdsTestClient, resourcesOf } from '../../support/controller-ads-client';
import { adminJson, eventually, manifest, startLocalController, type LocalControllerHarness } from '../../support/controller-harness';
import { sidecarNode } from '../../support/controller-fixtures';

const TOKEN = 'token-for-reviews';
const SPIFFE = 'spiffe://cluster.local/ns/default/sa/reviews';
const MESH = [manifest('MeshService', 'reviews', { selector: { app: 'reviews' }, ports: [{ port: 9080, protocol: 'http' }] })];
const REGISTRY = { version: 1, workloads: [{ name: 'reviews-0', address: '127.0.0.2', labels: { app: 'reviews' }, serviceAccount: 'reviews', tokenSha256: sha256Hex(TOKEN) }] };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
const pems = (bundle: string) => (bundle.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));

/** The SVID and, when the response carries it (SDS sends only what changed), the trust bundle. */
function secrets(response: DiscoveryResponse): { leaf: X509Certificate; roots: X509Certificate[] } {
  const byName = new Map(resourcesOf(response).map((r) => [r['name'], r as Loose]));
  return {
    leaf: pems(byName.get('default').tls_certificate.certificate_chain.inline_string)[0]!,
    roots: pems(byName.get('ROOTCA')?.validation_context.trusted_ca.inline_string ?? ''),
  };
}

describe('SDS certificates', () => {
  let harness: LocalControllerHarness;
  const clients: AdsTestClient[] = [];
  const connect = (extra: Record<string, string> = {}) => {
    const c = new AdsTestClient(harness.xdsAddress, sidecarNode('reviews', '127.0.0.2', { SERVICE_ACCOUNT: 'reviews', ...extra }));
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await harness.close();
  });

  it('gives a proxy with a valid token its SPIFFE SVID and the trust bundle it verifies against', async () => {
    harness = await startLocalController({ manifests: MESH, registry: REGISTRY });
    const client = connect({ TOKEN });
    client.subscribe(TypeUrl.Secret, ['default', 'ROOTCA']);
    const { leaf, roots } = secrets(await client.next(TypeUrl.Secret));
    expect(leaf.subjectAltName).toBe(`URI:${SPIFFE}`);
    expect(roots.some((root) => leaf.checkIssued(root) && leaf.verify(root.publicKey))).toBe(true);
  });

  it('shows the certificate a proxy was sent on /debug/config_dump, but never its private key', async () => {
    harness = await startLocalController({ manifests: MESH, registry: REGISTRY });
    const client = connect({ TOKEN });
    client.subscribe(TypeUrl.Secret, ['default', 'ROOTCA']);
    const sent = resourcesOf(await client.next(TypeUrl.Secret)).find((r) => r['name'] === 'default') as Loose;
    expect(sent.tls_certificate.private_key.inline_string).toMatch(/PRIVATE KEY/);
    const [dump] = await adminJson(harness, `/debug/config_dump?proxy=${encodeURIComponent(sidecarNode('reviews', '127.0.0.2').id)}`);
    const shown = (dump.xds.SDS.resources as Loose[]).find((r) => r.name === 'default');
    expect(shown.tls_certificate.certificate_chain.inline_string).toBe(sent.tls_certificate.certificate_chain.inline_string);
    expect(shown.tls_certificate.private_key).toEqual({ inline_string: '<redacted>' });
    expect(JSON.stringify(dump)).not.toContain('PRIVATE KEY');
  });

  it('gives a proxy without a valid token no certificate, and counts the refusal', async () => {
    harness = await startLocalController({ manifests: MESH, registry: REGISTRY });
    const client = connect({ TOKEN: 'forged' });
    client.subscribe(TypeUrl.Secret, ['default', 'ROOTCA']);
    await eventually(async () => /meshform_sds_denied_total\{reason="TOKEN_INVALID"\} 1/.test(await (await fetch(`${harness.adminUrl}/metrics`)).text()), 'the refusal metric');
    client.subscribe(TypeUrl.Cluster);
    await client.next(TypeUrl.Cluster);
    expect(client.pending(TypeUrl.Secret)).toEqual([]);
    const proxies = await adminJson(harness, '/debug/proxies');
    expect(proxies[0].trust).toBe('refused');
  });

  it('pushes a fresh certificate over SDS before the current one expires', async () => {
    harness = await startLocalController({ manifests: MESH, registry: REGISTRY, workloadTtlMs: 3_000 });
    const client = connect({ TOKEN });
    client.subscribe(TypeUrl.Secret, ['default', 'ROOTCA']);
    const first = await client.next(TypeUrl.Secret);
    client.ack(first, ['default', 'ROOTCA']);
    const firstLeaf = secrets(first).leaf;
    const second = await client.next(TypeUrl.Secret);
    const receivedAt = Date.now();
    const { leaf: secondLeaf, roots } = secrets(second);
    expect(roots).toEqual([]);
    expect(receivedAt).toBeLessThan(new Date(firstLeaf.validTo).getTime());
    expect(secondLeaf.serialNumber).not.toBe(firstLeaf.serialNumber);
    expect(secondLeaf.subjectAltName).toBe(`URI:${SPIFFE}`);
  });

  it('rotates the root: new SVIDs from the new root, both roots trusted meanwhile', async () => {
    harness = await startLocalController({ manifests: MESH, registry: REGISTRY });
    const client = connect({ TOKEN });
    client.subscribe(TypeUrl.Secret, ['default', 'ROOTCA']);
    const before = secrets(await client.next(TypeUrl.Secret));
    await harness.running.controller.rotateRoot(60_000);
    const after = secrets(await client.next(TypeUrl.Secret));
    expect(after.roots).toHaveLength(2);
    expect(after.roots.some((r) => before.leaf.verify(r.publicKey))).toBe(true);
    const newRoot = after.roots.find((r) => !before.roots.some((old) => old.fingerprint256 === r.fingerprint256))!;
    expect(after.leaf.verify(newRoot.publicKey)).toBe(true);
    expect(before.leaf.verify(newRoot.publicKey)).toBe(false);
  });
});
