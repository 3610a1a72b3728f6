import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ENVIRONMENTS, environmentNamed } from '../stacks/environments';
import { writeGitOpsFolder } from '../stacks/gitops-output';
import { buildPlatform } from '../stacks/platform';

/** `meshform synth [--env <name>] [--out dist]`: writes `<out>/<env>/` for each environment. */
export function runSynth(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { env: { type: 'string', multiple: true }, out: { type: 'string', default: 'dist' } } });
  const envs = values.env ? values.env.map(environmentNamed) : ENVIRONMENTS;
  for (const env of envs) {
    const outdir = path.join(values.out, env.name);
    const files = writeGitOpsFolder(buildPlatform(env), outdir);
    console.log(`synthesized ${env.name}: ${files.length} objects → ${outdir}`);
  }
  return 0;
}
