import { Command } from 'commander';
import { wholeNumber } from '../option-values';
import { exitCodeAction, type Load } from '../program';
import type { UpOptions } from '../up-command';

/** `meshform up`: the whole mesh on this machine (local mode). */
export function upCommand(load: Load<typeof import('../up-command')>): Command {
  return new Command('up')
    .summary('run the whole mesh on this machine (local mode); Ctrl-C stops it')
    .description(
      "synthesize the platform's <env> environment into dist/<env> (unless --manifests names a folder), then run the mesh on this machine: " +
        'the controller in local mode, a demo application and a sidecar per workload on 127.<subnet>.k.x addresses, and an ingress sidecar as the entry point. ' +
        '`meshform synth --env <env>` in another terminal changes live traffic; Ctrl-C stops everything',
    )
    .option('--env <name>', 'the environment to synthesize and run', 'dev')
    .option('--manifests <dir>', 'run these manifests instead of synthesizing')
    .option('--workspace <dir>', 'where the registry, the bootstraps and mesh.json (read by `meshform stat`) go', '.meshform')
    .option('--subnet <n>', 'second octet of the loopback addresses, 1 to 254', wholeNumber, 10)
    .option('--verbose', "print every process's log lines on stderr")
    .action(exitCodeAction((options: UpOptions) => load().runUp(options)));
}
