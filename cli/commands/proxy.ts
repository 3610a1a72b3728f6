import { Command } from 'commander';
import { exitCodeAction, type Load } from '../program';

/** `meshform proxy --bootstrap <file>`: a sidecar; also the proxy image's entry (cli/proxy-main.ts). */
export function proxyCommand(load: Load<typeof import('../proxy-command')>): Command {
  return new Command('proxy')
    .summary('run a sidecar proxy')
    .description("run a sidecar proxy until SIGTERM or SIGINT, then drain in-flight requests (up to the bootstrap's drainTimeoutMs)")
    .usage('--bootstrap <file>')
    .requiredOption('--bootstrap <file>', 'the bootstrap, YAML or JSON: node identity, controller address, admin port')
    .action(exitCodeAction((options: { bootstrap: string }) => load().runProxy(options.bootstrap)));
}
