import { Command } from 'commander';
import type { BootstrapSecretsOptions } from '../../controller/webhooks/bootstrap-secrets';
import { exitCodeAction, type Load } from '../program';

/** `meshform bootstrap-secrets`: the control plane's one-off Job (constructs/mesh-control-plane.ts). */
export function bootstrapSecretsCommand(load: Load<typeof import('../../controller/webhooks/webhook-command')>): Command {
  return new Command('bootstrap-secrets')
    .summary('write the CA and webhook certificates a cluster install starts from')
    .description(
      "create, only where missing, the mesh root CA Secret and the webhooks' serving certificate Secret, then write the caBundle of both webhook configurations (the kubeconfig: in-cluster, else KUBECONFIG)",
    )
    .usage('--namespace <ns> --ca-secret <name> --webhook-secret <name> --service <name> --mutating-webhook <name> --validating-webhook <name> [options]')
    .requiredOption('--namespace <ns>', 'the control plane namespace, where both Secrets go')
    .requiredOption('--ca-secret <name>', 'Secret of the mesh root CA')
    .requiredOption('--webhook-secret <name>', "Secret of the webhooks' serving certificate")
    .requiredOption('--service <name>', 'the webhook Service, whose DNS names the serving certificate holds')
    .requiredOption('--mutating-webhook <name>', 'the MutatingWebhookConfiguration whose caBundle to write')
    .requiredOption('--validating-webhook <name>', 'the ValidatingWebhookConfiguration whose caBundle to write')
    .option('--trust-domain <domain>', "the mesh root CA's trust domain (default: cluster.local)")
    .action(exitCodeAction((options: BootstrapSecretsOptions) => load().runBootstrapSecrets(options)));
}
