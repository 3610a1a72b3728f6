// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as x509 from '@peculiar/x509';
import { stringify } from 'yaml';
import type { MeshResource } from '../lib/api';
import { readManifestDir } from '../lib/manifests';
import { MeshModel } from '../lib/model';
import type { PlannedGateway } from './gateway-plan';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** The file, in the manifests folder, that holds the Secrets the runner made. */
export const DEMO_TLS_FILE = '.meshform-demo-tls.yaml';

/** The demo CA the runner signs missing gateway certificates with, and the Secrets it made. */
export interface DemoTls {
  /** PEM of the demo CA: what `curl --cacert` takes. */
  readonly caFile: string;
  /** `<namespace>/<name>` of each Secret made. */
  readonly made: readonly string[];
}

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** The demo CA kept in the workspace (so a `--cacert` file stays valid across runs), made when missing. */
async function demoCa(dir: string): Promise<{ certificate: x509.X509Certificate; key: webcrypto.CryptoKey; caFile: string }> {
  const caFile = path.join(dir, 'demo-ca.crt');
  const keyFile = path.join(dir, 'demo-ca.key');
  if (fs.existsSync(caFile) && fs.existsSync(keyFile)) {
    const der = x509.PemConverter.decodeFirst(fs.readFileSync(keyFile, 'utf8'));
    return { certificate: new x509.X509Certificate(fs.readFileSync(caFile, 'utf8')), key: await webcrypto.subtle.importKey('pkcs8', der, EC_KEY, false, ['sign']), caFile };
  }
  const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'O=meshform, CN=meshform local demo CA',
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 365 * DAY_MS),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true), await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)],
  });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(keyFile, await keyPem(keys.privateKey), { mode: 0o600 });
  fs.writeFileSync(caFile, certificate.toString('pem'));
  return { certificate, key: keys.privateKey, caFile };
}

/** A serving certificate for `hosts`, signed by the demo CA, as a `kubernetes.io/tls` Secret. */
async function servingSecret(ca: { certificate: x509.X509Certificate; key: webcrypto.CryptoKey }, namespace: string, name: string, hosts: readonly string[]): Promise<Record<string, unknown>> {
  const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex'),
    subject: `CN=${hosts[0]}`,
    issuer: ca.certificate.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 90 * DAY_MS),
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(hosts.map((value) => ({ type: 'dns' as const, value }))),
    ],
  });
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'meshform-up' } },
    stringData: { 'tls.crt': leaf.toString('pem'), 'tls.key': await keyPem(keys.privateKey) },
  };
}

/**
 * Makes the TLS Secrets the gateways name and the manifests folder lacks, each for the hosts of
 * its listeners (their hostname, else the hosts their routes serve, else `localhost`), signed by a
 * demo CA kept in the workspace. They are written to `.meshform-demo-tls.yaml` in the manifests
 * folder, where the controller reads Secrets like any object; a Secret the folder has is used as it is.
 */
export async function ensureDemoTls(manifestsDir: string, workspaceDir: string, resources: readonly MeshResource[], gateways: readonly PlannedGateway[]): Promise<DemoTls> {
  const file = path.join(manifestsDir, DEMO_TLS_FILE);
  fs.rmSync(file, { force: true });
  const present = new Set(
    readManifestDir(manifestsDir)
      .map((m) => m.object as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: string; namespace?: string } })
      .filter((o) => o.apiVersion === 'v1' && o.kind === 'Secret')
      .map((o) => `${o.metadata?.namespace ?? 'default'}/${o.metadata?.name}`),
  );
  const model = new MeshModel(resources);
  const wanted = new Map<string, { namespace: string; name: string; hosts: Set<string> }>();
  for (const planned of gateways) {
    const gateway = model.gateway(planned.namespace, planned.gateway)!;
    for (const listener of gateway.spec.listeners) {
      const hosts = listener.hostname ? [listener.hostname] : (planned.hosts[listener.name] ?? []).filter((h) => h !== '*');
      for (const ref of listener.tls?.certificates ?? []) {
        const namespace = ref.namespace ?? planned.namespace;
        const key = `${namespace}/${ref.secretName}`;
        if (present.has(key)) continue;
        const entry = wanted.get(key) ?? { namespace, name: ref.secretName, hosts: new Set<string>() };
        for (const host of hosts) entry.hosts.add(host);
        wanted.set(key, entry);
      }
    }
  }
  const ca = await demoCa(workspaceDir);
  const secrets = await Promise.all([...wanted.values()].map((w) => servingSecret(ca, w.namespace, w.name, w.hosts.size > 0 ? [...w.hosts] : ['localhost'])));
  if (secrets.length > 0) fs.writeFileSync(file, secrets.map((s) => stringify(s)).join('---\n'), { mode: 0o600 });
  return { caFile: ca.caFile, made: [...wanted.keys()] };
}
