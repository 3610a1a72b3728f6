import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** A certificate and its key, apart (as Node's TLS takes them) and together in `pem` (as HAProxy takes them). */
export interface IssuedCertificate {
  readonly cert: string;
  readonly key: string;
  readonly pem: string;
  /** The DNS name in its subjectAltName, which a client checks the server's against. */
  readonly dnsName: string;
}

export interface ThrowawayCa {
  readonly ca: string;
  readonly server: IssuedCertificate;
  readonly client: IssuedCertificate;
}

/**
 * A throwaway CA and a server and a client certificate it signs, written into `dir`: ECDSA P-256,
 * as the mesh's CA issues, so every mTLS hop in the benchmark does the same cryptography. Both
 * reference pairs (HAProxy and the Node floor) use it.
 */
export function writeThrowawayCa(dir: string): ThrowawayCa {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...newKey, '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=meshform-bench-ca', '-days', '2');
  const issue = (name: string): IssuedCertificate => {
    const dnsName = `${name}.bench.local`;
    writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=DNS:${dnsName}\n`);
    openssl('req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
    const [cert, key, pem] = [`${name}.crt`, `${name}.key`, `${name}.pem`].map((f) => path.join(dir, f)) as [string, string, string];
    writeFileSync(pem, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'));
    return { cert, key, pem, dnsName };
  };
  return { ca: path.join(dir, 'ca.pem'), server: issue('server'), client: issue('client') };
}
