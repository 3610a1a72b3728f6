import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../../controller/ca/certificate-authority';
import { WorkloadCertificates } from '../../../controller/ca/workload-certificates';
import { opensslRootAndIntermediate } from '../../support/controller-openssl-ca';

const ID = 'spiffe://cluster.local/ns/default/sa/reviews';
const HOUR = 3_600_000;

/** Splits a PEM bundle into node X509Certificates (an implementation independent of the CA's). */
function certificates(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((c) => new X509Certificate(c));
}

/** True when the chain leads from the leaf to one of the roots, each link signed by the next. */
function chainsTo(chainPem: string, bundlePem: string): boolean {
  const chain = certificates(chainPem);
  const roots = certificates(bundlePem);
  for (let i = 0; i + 1 < chain.length; i++) if (!chain[i]!.verify(chain[i + 1]!.publicKey)) return false;
  const top = chain.at(-1)!;
  return roots.some((root) => top.checkIssued(root) && top.verify(root.publicKey));
}

function clock(start = Date.now()) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

describe('certificate authority', () => {
  const openssl = opensslRootAndIntermediate();
  afterAll(() => rmSync(openssl.dir, { recursive: true, force: true }));

  it('issues an SVID that verifies against its self-signed root and names the SPIFFE id as its only URI SAN', async () => {
    const ca = await CertificateAuthority.create({ trustDomain: 'cluster.local' });
    const svid = await ca.issue(ID);
    const [leaf] = certificates(svid.certificateChainPem);
    expect(chainsTo(svid.certificateChainPem, ca.trustBundlePem())).toBe(true);
    expect(leaf!.subjectAltName).toBe(`URI:${ID}`);
    expect(leaf!.ca).toBe(false);
    expect(certificates(ca.rootPem)[0]!.ca).toBe(true);
    expect(svid.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('names the DNS names and IPs a server certificate is dialled by, beside its SPIFFE id', async () => {
    const ca = await CertificateAuthority.create({ trustDomain: 'cluster.local' });
    const svid = await ca.issue('spiffe://cluster.local/ns/meshform-system/sa/meshform-controller', { dns: ['meshform-controller.meshform-system.svc'], ips: ['127.0.0.1'] });
    const [leaf] = certificates(svid.certificateChainPem);
    expect(leaf!.subjectAltName).toBe('URI:spiffe://cluster.local/ns/meshform-system/sa/meshform-controller, DNS:meshform-controller.meshform-system.svc, IP Address:127.0.0.1');
    expect(leaf!.checkHost('meshform-controller.meshform-system.svc')).toBe('meshform-controller.meshform-system.svc');
  });

  it('makes workload certificates last 24 hours unless told otherwise', async () => {
    const c = clock(Math.floor(Date.now() / 1000) * 1000);
    const ca = await CertificateAuthority.create({ trustDomain: 'cluster.local', now: c.now });
    expect((await ca.issue(ID)).notAfter.getTime() - c.now().getTime()).toBe(24 * HOUR);
    const short = await CertificateAuthority.create({ trustDomain: 'cluster.local', workloadTtlMs: HOUR, now: c.now });
    expect((await short.issue(ID)).notAfter.getTime() - c.now().getTime()).toBe(HOUR);
  });

  it('reports the expiry the certificate really carries (X.509 keeps whole seconds)', async () => {
    const ca = await CertificateAuthority.create({ trustDomain: 'cluster.local', now: () => new Date(1_800_000_000_750) });
    const svid = await ca.issue(ID);
    expect(new Date(certificates(svid.certificateChainPem)[0]!.validTo).getTime()).toBe(svid.notAfter.getTime());
  });

  it('signs with a provided root from files', async () => {
    const ca = await CertificateAuthority.create({ trustDomain: 'cluster.local', provided: { certFile: openssl.rootCert, keyFile: openssl.rootKey } });
    const svid = await ca.issue(ID);
    expect(chainsTo(svid.certificateChainPem, ca.trustBundlePem())).toBe(true);
    expect(certificates(ca.trustBundlePem())[0]!.subject).toMatch(/provided root/);
  });

  it('signs with a provided intermediate and sends it in the chain', async () => {
    const ca = await CertificateAuthority.create({
      trustDomain: 'cluster.local',
      provided: { certFile: openssl.intermediateCert, keyFile: openssl.intermediateKey, rootFile: openssl.rootCert },
    });
    const svid = await ca.issue(ID);
    expect(certificates(svid.certificateChainPem).map((c) => c.subject)).toEqual([expect.stringMatching(/meshform/), expect.stringMatching(/provided intermediate/)]);
    expect(chainsTo(svid.certificateChainPem, ca.trustBundlePem())).toBe(true);
  });

  it('keeps its self-signed root in a folder and signs with the same root after a restart', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'meshform-ca-')), 'ca');
    const first = await CertificateAuthority.create({ trustDomain: 'cluster.local', keepIn: dir });
    expect(statSync(path.join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
    const restarted = await CertificateAuthority.create({ trustDomain: 'cluster.local', keepIn: dir });
    expect(restarted.rootPem).toBe(first.rootPem);
    // A certificate the restarted CA issues chains to the root peers got before the restart.
    expect(chainsTo((await restarted.issue(ID)).certificateChainPem, first.trustBundlePem())).toBe(true);
    rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('refuses unreadable CA material with a stable code', async () => {
    await expect(CertificateAuthority.create({ trustDomain: 'cluster.local', provided: { certFile: openssl.rootKey, keyFile: openssl.rootKey } })).rejects.toThrow(/CA_MATERIAL_INVALID/);
  });

  it('trusts the old and the new root during a rotation, then only the new one', async () => {
    const c = clock();
    const ca = await CertificateAuthority.create({ trustDomain: 'cluster.local', now: c.now });
    const before = await ca.issue(ID);
    await ca.rotateRoot(HOUR);
    const after = await ca.issue(ID);
    expect(certificates(ca.trustBundlePem())).toHaveLength(2);
    expect(chainsTo(before.certificateChainPem, ca.trustBundlePem())).toBe(true);
    expect(chainsTo(after.certificateChainPem, ca.trustBundlePem())).toBe(true);
    expect(chainsTo(after.certificateChainPem, before.certificateChainPem)).toBe(false);
    c.advance(HOUR + 1);
    expect(certificates(ca.trustBundlePem())).toHaveLength(1);
    expect(chainsTo(before.certificateChainPem, ca.trustBundlePem())).toBe(false);
    expect(chainsTo(after.certificateChainPem, ca.trustBundlePem())).toBe(true);
  });
});

describe('workload certificates', () => {
  it('reuses a certificate until 80% of its lifetime has passed, then re-issues before it expires', async () => {
    const c = clock();
    const ca = await CertificateAuthority.create({ trustDomain: 'cluster.local', workloadTtlMs: 10 * HOUR, now: c.now });
    const issued: string[] = [];
    const held = new WorkloadCertificates(ca, (id) => issued.push(id), 0.8, c.now);
    const first = await held.certificateFor(ID);
    c.advance(7 * HOUR);
    expect(await held.certificateFor(ID)).toBe(first);
    expect(held.due()).toEqual([]);
    c.advance(1 * HOUR + 1);
    expect(held.due()).toEqual([ID]);
    const second = await held.certificateFor(ID);
    expect(second).not.toBe(first);
    expect(second.notAfter.getTime()).toBeGreaterThan(first.notAfter.getTime());
    expect(c.now().getTime()).toBeLessThan(first.notAfter.getTime());
    expect(issued).toEqual([ID, ID]);
  });

  it('re-issues at once after a root rotation', async () => {
    const ca = await CertificateAuthority.create({ trustDomain: 'cluster.local' });
    const held = new WorkloadCertificates(ca);
    const first = await held.certificateFor(ID);
    await ca.rotateRoot(HOUR);
    expect(held.due()).toEqual([ID]);
    const second = await held.certificateFor(ID);
    expect(chainsTo(second.certificateChainPem, ca.rootPem)).toBe(true);
    expect(chainsTo(first.certificateChainPem, ca.rootPem)).toBe(false);
  });

  it('issues once for concurrent requests of the same id', async () => {
    const ca = await CertificateAuthority.create({ trustDomain: 'cluster.local' });
    const held = new WorkloadCertificates(ca);
    const [a, b] = await Promise.all([held.certificateFor(ID), held.certificateFor(ID)]);
    expect(a).toBe(b);
  });
});
