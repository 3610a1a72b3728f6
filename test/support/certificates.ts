import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface Pem {
  cert: string;
  key: string;
}

/**
 * A throwaway CA issuing SPIFFE SVIDs (EC P-256, URI SAN only) with the openssl CLI, for real TLS
 * in tests. Call dispose() to delete its directory.
 */
export class TestCa {
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'meshform-ca-'));
  private issued = 0;
  readonly root: Pem;

  constructor(readonly name = 'meshform test root') {
    const key = this.file('root.key');
    const cert = this.file('root.crt');
    this.openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key);
    this.openssl('req', '-x509', '-new', '-key', key, '-days', '2', '-subj', `/O=meshform/CN=${name}`, '-out', cert,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    this.root = { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
  }

  /** An SVID for spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>. */
  issue(serviceAccount: string, namespace = 'default', trustDomain = 'cluster.local'): Pem & { spiffeId: string } {
    const spiffeId = `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
    const id = `${serviceAccount}-${this.issued++}`;
    const key = this.file(`${id}.key`);
    const csr = this.file(`${id}.csr`);
    const cert = this.file(`${id}.crt`);
    const ext = this.file(`${id}.ext`);
    writeFileSync(ext, `subjectAltName=critical,URI:${spiffeId}\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n`);
    this.openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key);
    this.openssl('req', '-new', '-key', key, '-subj', '/O=meshform', '-out', csr);
    this.openssl('x509', '-req', '-in', csr, '-CA', this.file('root.crt'), '-CAkey', this.file('root.key'), '-set_serial', `0x${randomBytes(8).toString('hex')}`,
      '-days', '1', '-extfile', ext, '-out', cert);
    return { spiffeId, cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  private openssl(...args: string[]): void {
    execFileSync('openssl', args, { stdio: 'pipe' });
  }
}

/** A self-signed serving certificate for `host` as a `kubernetes.io/tls` Secret (data base64, as the API server stores it). */
export function tlsSecretObject(name: string, namespace: string, host: string): { apiVersion: string; kind: string; type: string; metadata: { name: string; namespace: string }; data: Record<string, string> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshform-tls-secret-'));
  try {
    const [key, cert] = [path.join(dir, 'tls.key'), path.join(dir, 'tls.crt')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`, '-days', '1'], { stdio: 'pipe' });
    return { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, namespace }, data: { 'tls.crt': readFileSync(cert).toString('base64'), 'tls.key': readFileSync(key).toString('base64') } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
