import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { injectionConfig } from '../../lib/injection';
import { bootstrapSecrets } from './bootstrap-secrets';
import { startWebhookServer } from './webhook-server';

const WEBHOOKS_USAGE = 'usage: meshform controller webhooks --cert <pem> --key <pem> --injection-config <json> [--port 15017] [--host 0.0.0.0]';
const BOOTSTRAP_USAGE =
  'usage: meshform controller bootstrap-secrets --namespace <ns> --ca-secret <name> --webhook-secret <name> --service <name> --mutating-webhook <name> --validating-webhook <name> [--trust-domain <domain>]';

function parse<T extends string>(argv: readonly string[], names: readonly T[], usage: string): Record<T, string | undefined> {
  const options = Object.fromEntries(names.map((n) => [n, { type: 'string' as const }]));
  try {
    return parseArgs({ args: [...argv], options, strict: true }).values as Record<T, string | undefined>;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${usage}`);
  }
}

function required(values: Record<string, string | undefined>, names: readonly string[], usage: string): void {
  const missing = names.filter((n) => !values[n]);
  if (missing.length) throw new Error(`missing ${missing.map((n) => `--${n}`).join(', ')}\n${usage}`);
}

/** `webhooks`: serves the admission webhooks until SIGTERM/SIGINT. */
export async function runWebhooks(argv: readonly string[]): Promise<number> {
  const logger = pino({ name: 'meshform-webhooks' }, pino.destination(2));
  const v = parse(argv, ['port', 'host', 'cert', 'key', 'injection-config'], WEBHOOKS_USAGE);
  required(v, ['cert', 'key', 'injection-config'], WEBHOOKS_USAGE);
  const server = await startWebhookServer({
    port: Number(v.port ?? 15017),
    host: v.host ?? '0.0.0.0',
    tls: { cert: readFileSync(v.cert!, 'utf8'), key: readFileSync(v.key!, 'utf8') },
    injection: injectionConfig(JSON.parse(readFileSync(v['injection-config']!, 'utf8'))),
    logger,
  });
  process.stdout.write(`${JSON.stringify({ event: 'ready', webhookPort: server.port })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await server.close();
  return 0;
}

/** `bootstrap-secrets`: the control plane's one-off Job. */
export async function runBootstrapSecrets(argv: readonly string[]): Promise<number> {
  const names = ['namespace', 'ca-secret', 'webhook-secret', 'service', 'mutating-webhook', 'validating-webhook'] as const;
  const v = parse(argv, [...names, 'trust-domain'], BOOTSTRAP_USAGE);
  required(v, names, BOOTSTRAP_USAGE);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  await bootstrapSecrets(
    kubeConfig,
    {
      namespace: v.namespace!,
      caSecret: v['ca-secret']!,
      webhookSecret: v['webhook-secret']!,
      service: v.service!,
      mutatingWebhook: v['mutating-webhook']!,
      validatingWebhook: v['validating-webhook']!,
      ...(v['trust-domain'] ? { trustDomain: v['trust-domain'] } : {}),
    },
    pino({ name: 'meshform-bootstrap' }, pino.destination(2)),
  );
  return 0;
}
