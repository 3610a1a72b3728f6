import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../lib/api';
import { ControllerError, ControllerErrorCode } from '../controller/errors';
import { createLogger } from '../controller/logger';
import { runControllerWith, type RunOptions } from '../controller/run-controller';

const USAGE = `usage: meshform controller (--local <dir> [--registry <file>] | --kubernetes [--kubeconfig <file>] [--namespace <ns>] [--pod-name <name>] [--token-audience <aud>...])
       [--host <addr>] [--xds-port <n>] [--admin-port <n>] [--metrics-port <n>] [--xds-tls | --no-xds-tls] [--debounce-ms <n>]
       [--ca-cert <pem> --ca-key <pem> [--ca-chain <pem> --ca-root <pem>]] [--cert-ttl <duration>]`;

function port(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ControllerError(ControllerErrorCode.BadArguments, `${flag} is ${value}; it must be a port number (0 picks a free one)\n${USAGE}`);
  return n;
}

/** Parses `meshform controller …` arguments into run options. */
export function parseControllerArgs(argv: string[]): Omit<RunOptions, 'log'> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        local: { type: 'string' },
        registry: { type: 'string' },
        kubernetes: { type: 'boolean' },
        kubeconfig: { type: 'string' },
        namespace: { type: 'string' },
        'pod-name': { type: 'string' },
        'token-audience': { type: 'string', multiple: true },
        host: { type: 'string' },
        'xds-port': { type: 'string' },
        'admin-port': { type: 'string' },
        'metrics-port': { type: 'string' },
        'xds-tls': { type: 'boolean' },
        'no-xds-tls': { type: 'boolean' },
        'debounce-ms': { type: 'string' },
        'ca-cert': { type: 'string' },
        'ca-key': { type: 'string' },
        'ca-chain': { type: 'string' },
        'ca-root': { type: 'string' },
        'cert-ttl': { type: 'string' },
      },
      strict: true,
    });
  } catch (error) {
    throw new ControllerError(ControllerErrorCode.BadArguments, `${(error as Error).message}\n${USAGE}`);
  }
  const v = parsed.values;
  if ((v.local === undefined) === !v.kubernetes) throw new ControllerError(ControllerErrorCode.BadArguments, `choose exactly one of --local <dir> or --kubernetes\n${USAGE}`);
  if ((v['ca-cert'] === undefined) !== (v['ca-key'] === undefined)) throw new ControllerError(ControllerErrorCode.BadArguments, `--ca-cert and --ca-key go together\n${USAGE}`);
  const local = v.local !== undefined;
  const mode: RunOptions['mode'] = local
    ? { kind: 'local', manifestsDir: path.resolve(v.local!), registryFile: path.resolve(v.registry ?? path.join('.meshform', 'registry.json')) }
    : {
        kind: 'kubernetes',
        namespace: v.namespace ?? process.env['POD_NAMESPACE'] ?? 'meshform-system',
        podName: v['pod-name'] ?? process.env['POD_NAME'] ?? '',
        tokenAudiences: v['token-audience'] ?? [],
        ...(v.kubeconfig ? { kubeconfigFile: path.resolve(v.kubeconfig) } : {}),
      };
  const debounce = v['debounce-ms'] === undefined ? undefined : Number(v['debounce-ms']);
  if (debounce !== undefined && !(Number.isInteger(debounce) && debounce >= 0)) throw new ControllerError(ControllerErrorCode.BadArguments, `--debounce-ms is ${v['debounce-ms']}; it must be a whole number of milliseconds`);
  let ttl: number | undefined;
  if (v['cert-ttl'] !== undefined) {
    try {
      ttl = parseDuration(v['cert-ttl']);
    } catch (error) {
      throw new ControllerError(ControllerErrorCode.BadArguments, `--cert-ttl: ${(error as Error).message}`);
    }
  }
  return {
    mode,
    host: v.host ?? (local ? '127.0.0.1' : '0.0.0.0'),
    xdsPort: port(v['xds-port'], local ? 15010 : 15012, '--xds-port'),
    adminPort: port(v['admin-port'], 15014, '--admin-port'),
    ...(v['metrics-port'] !== undefined ? { metricsPort: port(v['metrics-port'], 0, '--metrics-port') } : {}),
    xdsTls: v['no-xds-tls'] ? false : (v['xds-tls'] ?? !local),
    ...(debounce !== undefined ? { debounceMs: debounce } : {}),
    ...(ttl !== undefined ? { workloadTtlMs: ttl } : {}),
    ...(v['ca-cert'] !== undefined
      ? { providedCa: { certFile: v['ca-cert'], keyFile: v['ca-key']!, ...(v['ca-chain'] ? { chainFile: v['ca-chain'] } : {}), ...(v['ca-root'] ? { rootFile: v['ca-root'] } : {}) } }
      : {}),
  };
}

/**
 * `meshform controller --local <dir> | --kubernetes [...]`: runs the control plane until SIGINT or
 * SIGTERM. Prints one JSON line on stdout when serving (`{"event":"ready","xdsPort":…,"adminPort":…,"metricsPort":…}`);
 * logs go to stderr.
 */
export async function runController(argv: string[]): Promise<void> {
  const options = parseControllerArgs(argv);
  const log = createLogger();
  const running = await runControllerWith({ ...options, log });
  process.stdout.write(`${JSON.stringify({ event: 'ready', xdsPort: running.xdsPort, adminPort: running.adminPort, metricsPort: running.metricsPort })}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  log.info('shutting down');
  await running.close();
}
