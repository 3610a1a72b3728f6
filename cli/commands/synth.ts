import { Command } from 'commander';
import { repeatable } from '../option-values';
import { exitCodeAction, type Load } from '../program';
import type { SynthOptions } from '../synth-command';

/** `meshform synth`: the platform's manifests for GitOps. */
export function synthCommand(load: Load<typeof import('../synth-command')>): Command {
  return new Command('synth')
    .summary('synthesize the platform into <out>/<env>/')
    .description('synthesize the platform into <out>/<env>/, one folder per environment; two runs of the same code are byte-identical')
    .option('--env <name>', 'only this environment; repeat for more (default: all)', repeatable)
    .option('--out <dir>', 'where the environment folders go', 'dist')
    .action(exitCodeAction((options: SynthOptions) => load().runSynth(options)));
}
