// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as x509 from '@peculiar/x509';
import { ControllerError, ControllerErrorCode } from '../errors';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

// @peculiar/x509 types its provider with the DOM's Crypto, which node's webcrypto implements.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
// Tolerates clocks a little behind the controller's.
const BACKDATE_MS = 5 * 60_000;

/** A signing certificate with its key: a root, or an intermediate under a provided root. */
interface Signer {
  readonly certificate: x509.X509Certificate;
  readonly key: CryptoKey;
  /** The certificates between the signer and its root (the signer first), as PEM. */
  readonly chainPem: string;
  readonly rootPem: string;
}

/** A workload's SPIFFE SVID as SDS sends it. */
export interface IssuedCertificate {
  readonly spiffeId: string;
  /** The leaf then its chain up to (not including) the root. */
  readonly certificateChainPem: string;
  readonly privateKeyPem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** When it was signed; notBefore is set a little earlier for clock skew. */
  readonly issuedAt: Date;
}

export interface ProvidedCaFiles {
  /** PEM of the signing certificate (a root or an intermediate). */
  readonly certFile: string;
  /** PKCS#8 PEM of its ECDSA P-256 key. */
  readonly keyFile: string;
  /** PEM of the chain above the signing certificate up to the root (intermediate case). */
  readonly chainFile?: string;
  /** PEM of the root, when the signing certificate is an intermediate. */
  readonly rootFile?: string;
}

async function keyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

async function selfSignedRoot(trustDomain: string, ttlMs: number, now: Date): Promise<Signer> {
  const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: `O=meshform, CN=meshform root ${trustDomain}`,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + ttlMs),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `spiffe://${trustDomain}` }]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pem = certificate.toString('pem');
  return { certificate, key: keys.privateKey, chainPem: '', rootPem: pem };
}

/** The root kept in `dir`, made (key readable by its owner only) when there is none yet. */
async function keptRoot(dir: string, make: () => Promise<Signer>): Promise<ProvidedCaFiles> {
  const files = { certFile: path.join(dir, 'ca.crt'), keyFile: path.join(dir, 'ca.key') };
  if (!existsSync(files.certFile) || !existsSync(files.keyFile)) {
    const root = await make();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(files.keyFile, await keyPem(root.key), { mode: 0o600 });
    writeFileSync(files.certFile, root.rootPem);
  }
  return files;
}

async function providedSigner(files: ProvidedCaFiles): Promise<Signer> {
  try {
    const certificate = new x509.X509Certificate(readFileSync(files.certFile, 'utf8'));
    const der = x509.PemConverter.decodeFirst(readFileSync(files.keyFile, 'utf8'));
    const key = await webcrypto.subtle.importKey('pkcs8', der, EC_KEY, false, ['sign']);
    const chain = files.chainFile ? readFileSync(files.chainFile, 'utf8').trim() : '';
    const isRoot = files.rootFile === undefined;
    return {
      certificate,
      key,
      chainPem: isRoot ? '' : [certificate.toString('pem'), chain].filter(Boolean).join('\n'),
      rootPem: isRoot ? certificate.toString('pem') : readFileSync(files.rootFile!, 'utf8').trim(),
    };
  } catch (error) {
    throw new ControllerError(ControllerErrorCode.CaMaterialInvalid, `cannot load the provided CA (${files.certFile}, ${files.keyFile}): ${(error as Error).message}`, { cause: error });
  }
}

export interface CertificateAuthorityOptions {
  readonly trustDomain: string;
  /** Lifetime of workload certificates. @default 24h */
  readonly workloadTtlMs?: number;
  /** Lifetime of a self-signed root. @default 1 year */
  readonly rootTtlMs?: number;
  readonly provided?: ProvidedCaFiles;
  /**
   * A folder that keeps the self-signed root (ca.crt, ca.key): made there on the first start and
   * signed with on every later one, so a restarted controller (local mode has no Secret to hold it)
   * does not split the mesh between two roots. Ignored when `provided` is set.
   */
  readonly keepIn?: string;
  /** The clock; tests move it. */
  readonly now?: () => Date;
}

/**
 * The mesh's certificate authority: a self-signed ECDSA P-256 root (or a provided root or
 * intermediate) that issues SPIFFE X.509 SVIDs. During a root rotation both roots are in the trust
 * bundle until every workload holds a certificate from the new one.
 */
export class CertificateAuthority {
  private signer!: Signer;
  private retiredRoots: { pem: string; trustedUntil: Date }[] = [];
  readonly workloadTtlMs: number;
  private readonly now: () => Date;

  private constructor(private readonly options: CertificateAuthorityOptions) {
    this.workloadTtlMs = options.workloadTtlMs ?? 24 * 3_600_000;
    this.now = options.now ?? (() => new Date());
  }

  static async create(options: CertificateAuthorityOptions): Promise<CertificateAuthority> {
    const ca = new CertificateAuthority(options);
    const provided = options.provided ?? (options.keepIn ? await keptRoot(options.keepIn, () => selfSignedRoot(options.trustDomain, options.rootTtlMs ?? 365 * 24 * 3_600_000, ca.now())) : undefined);
    ca.signer = provided ? await providedSigner(provided) : await selfSignedRoot(options.trustDomain, options.rootTtlMs ?? 365 * 24 * 3_600_000, ca.now());
    return ca;
  }

  /** The root that signs new certificates now. */
  get rootPem(): string {
    return this.signer.rootPem;
  }

  /** Every root a peer's certificate may chain to: the current one and those retired but still trusted. */
  trustBundlePem(): string {
    const now = this.now();
    this.retiredRoots = this.retiredRoots.filter((r) => r.trustedUntil > now);
    return [this.signer.rootPem, ...this.retiredRoots.map((r) => r.pem)].join('\n');
  }

  /**
   * Starts signing with a new root (self-signed, or the provided files). The old root stays trusted
   * for `overlapMs`, which must outlast the re-issue of every workload certificate.
   */
  async rotateRoot(overlapMs: number, provided?: ProvidedCaFiles): Promise<void> {
    const next = provided ? await providedSigner(provided) : await selfSignedRoot(this.options.trustDomain, this.options.rootTtlMs ?? 365 * 24 * 3_600_000, this.now());
    this.retiredRoots.push({ pem: this.signer.rootPem, trustedUntil: new Date(this.now().getTime() + overlapMs) });
    this.signer = next;
  }

  /**
   * Issues an SVID for a SPIFFE id with a fresh P-256 key (SDS delivers key and certificate
   * together). A server certificate (the controller's own) also names the DNS names and IPs
   * clients dial, which TLS clients check.
   */
  async issue(spiffeId: string, serverNames: { readonly dns?: readonly string[]; readonly ips?: readonly string[] } = {}): Promise<IssuedCertificate> {
    const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = this.now();
    const notBefore = new Date(now.getTime() - BACKDATE_MS);
    // X.509 times have whole seconds: round down here so that renewal plans with the real expiry.
    const notAfter = new Date(Math.floor(Math.min(now.getTime() + this.workloadTtlMs, this.signer.certificate.notAfter.getTime()) / 1000) * 1000);
    const leaf = await x509.X509CertificateGenerator.create({
      subject: 'O=meshform',
      issuer: this.signer.certificate.subject,
      notBefore,
      notAfter,
      signingAlgorithm: SIGNING,
      publicKey: keys.publicKey,
      signingKey: this.signer.key,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension(
          [{ type: 'url', value: spiffeId }, ...(serverNames.dns ?? []).map((value) => ({ type: 'dns' as const, value })), ...(serverNames.ips ?? []).map((value) => ({ type: 'ip' as const, value }))],
          true,
        ),
        await x509.AuthorityKeyIdentifierExtension.create(this.signer.certificate.publicKey),
      ],
    });
    return {
      spiffeId,
      certificateChainPem: [leaf.toString('pem'), this.signer.chainPem].filter(Boolean).join('\n'),
      privateKeyPem: await keyPem(keys.privateKey),
      notBefore,
      notAfter,
      issuedAt: now,
    };
  }
}
