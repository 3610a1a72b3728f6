import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** A root and an intermediate made by openssl (an independent tool), as files a user would provide. */
export function opensslRootAndIntermediate(): { dir: string; rootCert: string; rootKey: string; intermediateCert: string; intermediateKey: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshform-openssl-ca-'));
  const file = (name: string) => path.join(dir, name);
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const key = (name: string) => run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file(name)]);
  key('root.key');
  run(['req', '-x509', '-new', '-key', file('root.key'), '-subj', '/O=test/CN=provided root', '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', file('root.crt')]);
  key('intermediate.key');
  run(['req', '-new', '-key', file('intermediate.key'), '-subj', '/O=test/CN=provided intermediate', '-out', file('intermediate.csr')]);
  writeFileSync(file('ext.cnf'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
  run(['x509', '-req', '-in', file('intermediate.csr'), '-CA', file('root.crt'), '-CAkey', file('root.key'), '-CAcreateserial', '-days', '2', '-extfile', file('ext.cnf'), '-out', file('intermediate.crt')]);
  return { dir, rootCert: file('root.crt'), rootKey: file('root.key'), intermediateCert: file('intermediate.crt'), intermediateKey: file('intermediate.key') };
}
