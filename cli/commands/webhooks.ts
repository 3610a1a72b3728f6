import { Command } from 'commander';
import type { WebhooksOptions } from '../../controller/webhooks/webhook-command';
import { portNumber } from '../option-values';
import { exitCodeAction, type Load } from '../program';

/** `meshform webhooks`: a container of the control plane's pod (constructs/mesh-control-plane.ts). */
export function webhooksCommand(load: Load<typeof import('../../controller/webhooks/webhook-command')>): Command {
  return new Command('webhooks')
    .summary('serve the sidecar-injection and validation admission webhooks')
    .description('serve the sidecar-injection and validation admission webhooks over HTTPS until SIGTERM or SIGINT. Prints {"event":"ready","webhookPort":…} on stdout when serving')
    .usage('--cert <pem> --key <pem> --injection-config <json> [options]')
    .requiredOption('--cert <pem>', 'the serving certificate')
    .requiredOption('--key <pem>', "the serving certificate's key")
    .requiredOption('--injection-config <json>', 'the injection configuration the sidecar-injection webhook applies')
    .option('--port <n>', 'HTTPS port, 0 picks a free one', portNumber, 15017)
    .option('--host <addr>', 'address to listen on', '0.0.0.0')
    .action(exitCodeAction((options: WebhooksOptions) => load().runWebhooks(options)));
}
