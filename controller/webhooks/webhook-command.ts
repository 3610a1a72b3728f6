import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { injectionConfig } from '../../lib/injection';
import { MeshCaptureWatch } from '../sources/mesh-capture-watch';
import { bootstrapSecrets, type BootstrapSecretsOptions } from './bootstrap-secrets';
import { startWebhookServer } from './webhook-server';

/** `webhooks`' options (cli/commands/webhooks.ts). */
export interface WebhooksOptions {
  readonly port: number;
  readonly host: string;
  /** PEM files of the serving certificate and its key. */
  readonly cert: string;
  readonly key: string;
  /** The injection configuration (JSON) the sidecar-injection webhook applies. */
  readonly injectionConfig: string;
}

/**
 * `webhooks`: serves the admission webhooks until SIGTERM/SIGINT. Injection reads the mesh's ports
 * from the API server (in-cluster config, else KUBECONFIG); admission is served from the start,
 * and a pod to inject waits until the mesh has been read.
 */
export async function runWebhooks(options: WebhooksOptions): Promise<number> {
  const logger = pino({ name: 'meshform-webhooks' }, pino.destination(2));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const mesh = new MeshCaptureWatch(kubeConfig, logger);
  const server = await startWebhookServer({
    port: options.port,
    host: options.host,
    tls: { cert: readFileSync(options.cert, 'utf8'), key: readFileSync(options.key, 'utf8') },
    injection: injectionConfig(JSON.parse(readFileSync(options.injectionConfig, 'utf8'))),
    mesh: () => mesh.current(),
    logger,
  });
  void mesh.start();
  process.stdout.write(`${JSON.stringify({ event: 'ready', webhookPort: server.port })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await Promise.all([server.close(), mesh.stop()]);
  return 0;
}

/** `bootstrap-secrets`: the control plane's one-off Job (its options are bootstrapSecrets' own). */
export async function runBootstrapSecrets(options: BootstrapSecretsOptions): Promise<number> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  await bootstrapSecrets(kubeConfig, options, pino({ name: 'meshform-bootstrap' }, pino.destination(2)));
  return 0;
}
