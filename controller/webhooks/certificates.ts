// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/** A serving certificate with the CA that signed it (the webhook configurations' `caBundle`). */
export interface ServingCertificate {
  readonly caPem: string;
  readonly certPem: string;
  /** PKCS#8 PEM. */
  readonly keyPem: string;
}

export interface ServingCertificateOptions {
  /** DNS names the API server dials, like `meshform-controller.meshform-system.svc`. */
  readonly dnsNames: readonly string[];
  readonly ipAddresses?: readonly string[];
  /** @default 365 */
  readonly days?: number;
}

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** A self-signed CA certificate and its PKCS#8 key. */
async function selfSignedCa(name: string, days: number, extensions: x509.Extension[] = []): Promise<{ certificate: x509.X509Certificate; keys: webcrypto.CryptoKeyPair }> {
  const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name,
    notBefore: new Date(Date.now() - 5 * 60_000),
    notAfter: new Date(Date.now() + days * DAY_MS),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ...extensions,
    ],
  });
  return { certificate, keys };
}

/**
 * The mesh root the controller's CA signs workload certificates with (`--ca-cert`/`--ca-key`):
 * ECDSA P-256, PKCS#8, like the controller's own self-signed root, but made once and kept in a
 * Secret so every replica and every restart issues under the same root.
 */
export async function createMeshRoot(trustDomain: string, days = 3650): Promise<{ certPem: string; keyPem: string }> {
  const { certificate, keys } = await selfSignedCa(`O=meshform, CN=meshform root ${trustDomain}`, days, [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `spiffe://${trustDomain}` }])]);
  return { certPem: certificate.toString('pem'), keyPem: await pkcs8Pem(keys.privateKey) };
}

/**
 * A self-signed CA and a serving certificate for the webhook Service's names. The webhook CA is
 * not the mesh CA: the API server must trust it, and a leak of it must not mint workload identities.
 */
export async function createServingCertificate(options: ServingCertificateOptions): Promise<ServingCertificate> {
  const days = options.days ?? 365;
  const ca = await selfSignedCa('O=meshform, CN=meshform webhook CA', days);
  const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${options.dnsNames[0] ?? 'meshform-webhook'}`,
    issuer: ca.certificate.subject,
    notBefore: ca.certificate.notBefore,
    notAfter: ca.certificate.notAfter,
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([...options.dnsNames.map((value) => ({ type: 'dns' as const, value })), ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value }))]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate.publicKey),
    ],
  });
  return { caPem: ca.certificate.toString('pem'), certPem: cert.toString('pem'), keyPem: await pkcs8Pem(keys.privateKey) };
}
