import { Command } from 'commander';
import { version } from '../package.json';
import { analyzeCommand, bootstrapSecretsCommand, costCommand, controllerCommand, dashboardCommand, debugCommand, exportCommand, importCommand, proxyCommand, statCommand, synthCommand, upCommand, webhooksCommand } from './commands';
import { runProgram, type Output } from './program';

/** The `meshform` command line, every command registered; each requires its implementation only when it runs. */
export function meshformProgram(): Command {
  const webhooks = () => require('../controller/webhooks/webhook-command') as typeof import('../controller/webhooks/webhook-command');
  return new Command('meshform')
    .description("an infrastructure-as-code service mesh: synthesize it, check it, run it (`meshform <command> --help` for a command's options)")
    .version(version)
    .addCommand(synthCommand(() => require('./synth-command') as typeof import('./synth-command')))
    .addCommand(analyzeCommand(() => require('./analyze-command') as typeof import('./analyze-command')))
    .addCommand(importCommand(() => require('./import-command') as typeof import('./import-command')))
    .addCommand(exportCommand(() => require('./export-command') as typeof import('./export-command')))
    .addCommand(controllerCommand(() => require('./controller-command') as typeof import('./controller-command')))
    .addCommand(proxyCommand(() => require('./proxy-command') as typeof import('./proxy-command')))
    .addCommand(upCommand(() => require('./up-command') as typeof import('./up-command')))
    .addCommand(statCommand(() => require('./stat-command') as typeof import('./stat-command')))
    .addCommand(costCommand(() => require('./cost-command') as typeof import('./cost-command')))
    .addCommand(debugCommand(() => require('./debug-command') as typeof import('./debug-command')))
    .addCommand(dashboardCommand(() => require('./dashboard-command') as typeof import('./dashboard-command')))
    .addCommand(webhooksCommand(webhooks))
    .addCommand(bootstrapSecretsCommand(webhooks));
}

/** Runs a command line (the arguments after `meshform`); resolves to the process exit code. */
export function main(argv: readonly string[], output?: Output): Promise<number> {
  return runProgram(meshformProgram(), argv, output);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
