// The proxy image's entry (bundled to dist/proxy.js): `node proxy.js --bootstrap <file>`. An injected
// pod's bootstrap names the pod IP as ${POD_IP} (unknown at injection); it is expanded here from the
// environment into a private copy, because proxy/ reads the bootstrap file as it is.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expandEnvReferences } from '../lib/injection/proxy-bootstrap';
import { runProxy } from './proxy-command';

function withExpandedBootstrap(argv: string[]): string[] {
  const at = argv.indexOf('--bootstrap');
  const file = at >= 0 ? argv[at + 1] : undefined;
  if (file === undefined) return argv;
  const text = readFileSync(file, 'utf8');
  if (!text.includes('${')) return argv;
  const expanded = path.join(mkdtempSync(path.join(tmpdir(), 'meshform-proxy-')), path.basename(file));
  writeFileSync(expanded, expandEnvReferences(text, process.env), { mode: 0o600 });
  return argv.map((arg, i) => (i === at + 1 ? expanded : arg));
}

let argv: string[];
try {
  argv = withExpandedBootstrap(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
void runProxy(argv).then((code) => process.exit(code));
