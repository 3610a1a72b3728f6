const USAGE = `usage: meshform <command> [options]

commands:
  synth [--env <name>] [--out dist]   synthesize the platform into <out>/<env>/ (all environments by default)
  analyze <dir>                       check the mesh resources in the manifests under <dir>
  controller --local <dir> | --kubernetes   run the control plane (xDS, SDS, CA); --help for options
  proxy --bootstrap <file>            run a sidecar proxy
  up [--env dev] [--manifests <dir>]  run the whole mesh on this machine (local mode); Ctrl-C stops it
  stat [--window 2s] [--watch]        golden signals per service and route of the running local mesh
  webhooks                            serve the sidecar-injection and validation admission webhooks
  bootstrap-secrets                   write the CA and webhook certificates a cluster install starts from`;

type Command = (argv: string[]) => number | Promise<number>;

// Loaded on use: the proxy and the controller must not pay for cdk8s, nor analyze for the stacks.
const COMMANDS: Record<string, Command> = {
  synth: (argv) => (require('./synth-command') as typeof import('./synth-command')).runSynth(argv),
  analyze: (argv) => (require('./analyze-command') as typeof import('./analyze-command')).runAnalyze(argv),
  controller: async (argv) => {
    await (require('./controller-command') as typeof import('./controller-command')).runController(argv);
    return 0;
  },
  proxy: (argv) => (require('./proxy-command') as typeof import('./proxy-command')).runProxy(argv),
  up: (argv) => (require('./up-command') as typeof import('./up-command')).runUp(argv),
  webhooks: (argv) => (require('../controller/webhooks') as typeof import('../controller/webhooks')).runWebhooks(argv),
  'bootstrap-secrets': (argv) => (require('../controller/webhooks') as typeof import('../controller/webhooks')).runBootstrapSecrets(argv),
  stat: (argv) => (require('./stat-command') as typeof import('./stat-command')).runStat(argv),
};

/** Dispatches a command line; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    console.error(USAGE);
    return name === undefined || name === 'help' || name === '--help' ? 0 : 2;
  }
  return command(rest);
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
