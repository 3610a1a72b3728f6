import { Command } from 'commander';
import { exitCodeAction, type Load } from '../program';

/** `meshform analyze <dir>`: the synth-time checks over YAML that did not come from the constructs. */
export function analyzeCommand(load: Load<typeof import('../analyze-command')>): Command {
  return new Command('analyze')
    .summary('check the mesh resources in the manifests under <dir>')
    .description('check every mesh resource in the YAML files under <dir>; one line per finding, exit 1 when any')
    .argument('<dir>', 'a folder of manifests (searched recursively)')
    .action(exitCodeAction((dir: string) => load().runAnalyze(dir)));
}
