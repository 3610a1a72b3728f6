import * as path from 'node:path';
import { ENVIRONMENTS, environmentNamed } from '../stacks/environments';
import { writeGitOpsFolder } from '../stacks/gitops-output';
import { buildPlatform } from '../stacks/platform';

/** `meshform synth`'s options (cli/commands/synth.ts). */
export interface SynthOptions {
  /** Environment names; every environment when absent. */
  readonly env?: readonly string[];
  readonly out: string;
}

/** `meshform synth [--env <name>] [--out dist]`: writes `<out>/<env>/` for each environment. */
export function runSynth(options: SynthOptions): number {
  const envs = options.env ? options.env.map(environmentNamed) : ENVIRONMENTS;
  for (const env of envs) {
    const outdir = path.join(options.out, env.name);
    const files = writeGitOpsFolder(buildPlatform(env), outdir);
    console.log(`synthesized ${env.name}: ${files.length} objects → ${outdir}`);
  }
  return 0;
}
