// The proxy image's entry (bundled to dist/proxy.js): `node proxy.js --bootstrap <file>`. An injected
// pod's bootstrap names the pod IP as ${POD_IP} (unknown at injection); it is expanded here from the
// environment into a private copy, because proxy/ reads the bootstrap file as it is.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expandEnvReferences } from '../lib/injection/proxy-bootstrap';
// Not the barrel: the bundle holds what this entry imports, and nothing but the proxy belongs in it.
import { proxyCommand } from './commands/proxy';
import { runProgram } from './program';
import * as implementation from './proxy-command';

/** The bootstrap file itself, or a private copy with its `${NAME}` references expanded. */
function expandedBootstrap(file: string): string {
  const text = readFileSync(file, 'utf8');
  if (!text.includes('${')) return file;
  const expanded = path.join(mkdtempSync(path.join(tmpdir(), 'meshform-proxy-')), path.basename(file));
  writeFileSync(expanded, expandEnvReferences(text, process.env), { mode: 0o600 });
  return expanded;
}

const proxy = proxyCommand(() => implementation).hook('preAction', (command) => {
  try {
    command.setOptionValue('bootstrap', expandedBootstrap(command.getOptionValue('bootstrap') as string));
  } catch (error) {
    command.error(`error: --bootstrap: ${(error as Error).message}`);
  }
});
void runProgram(proxy, process.argv.slice(2)).then((code) => process.exit(code));
