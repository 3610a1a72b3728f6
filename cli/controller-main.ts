// The controller image's entry (bundled to dist/controller.js): `node controller.js <controller args>`,
// or one of the control plane's side commands, which share the image: `node controller.js webhooks …`.
// Not the barrel: the bundle holds what this entry imports, and the other commands would bring cdk8s.
import * as webhooks from '../controller/webhooks/webhook-command';
import { bootstrapSecretsCommand } from './commands/bootstrap-secrets';
import { controllerCommand } from './commands/controller';
import { webhooksCommand } from './commands/webhooks';
import * as controller from './controller-command';
import { runProgram } from './program';

// The controller's own options stop at a side command's name (both have a --host).
const program = controllerCommand(() => controller)
  .enablePositionalOptions()
  .addCommand(webhooksCommand(() => webhooks))
  .addCommand(bootstrapSecretsCommand(() => webhooks));
runProgram(program, process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
