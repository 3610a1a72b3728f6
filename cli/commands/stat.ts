import { Command, Option } from 'commander';
import { durationMs } from '../option-values';
import { exitCodeAction, type Load } from '../program';
import type { StatOptions } from '../stat-command';

/** `meshform stat`: golden signals of the running local mesh, like `linkerd viz stat`. */
export function statCommand(load: Load<typeof import('../stat-command')>): Command {
  return new Command('stat')
    .summary('golden signals per service and route of the running local mesh')
    .description('golden signals (request rate, success rate, latency percentiles) per service and route of the mesh `meshform up` runs')
    .option('--workspace <dir>', 'the workspace of `meshform up`', '.meshform')
    .addOption(new Option('--window <duration>', 'how long to measure').argParser(durationMs).default(2000, '2s'))
    .option('--watch', 'measure again after each window until Ctrl-C')
    .action(exitCodeAction((options: StatOptions) => load().runStat(options)));
}
