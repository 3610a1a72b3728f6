// The controller image's entry (bundled to dist/controller.js): `node controller.js <controller args>`,
// or one of the control plane's side commands, which share the image.
import { runController } from './controller-command';
import { runBootstrapSecrets, runWebhooks } from '../controller/webhooks';

const SIDE_COMMANDS: Record<string, (argv: string[]) => Promise<number>> = { webhooks: runWebhooks, 'bootstrap-secrets': runBootstrapSecrets };

const [first = '', ...rest] = process.argv.slice(2);
const side = SIDE_COMMANDS[first];
(side ? side(rest) : runController(process.argv.slice(2)).then(() => 0)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
