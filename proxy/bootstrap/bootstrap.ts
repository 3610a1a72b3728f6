import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { JsonValue } from '../../lib/xds';
import { ErrorCode, ProxyError } from '../errors';
import { AppProbesSchema } from './app-probe-schema';

const hostPort = z.string().regex(/^[^:]+:\d+$/, 'expected host:port');

const BootstrapSchema = z.object({
  node: z.object({
    id: z.string().min(1),
    cluster: z.string().default(''),
    metadata: z.record(z.string(), z.json()).default({}),
  }),
  controller: z.object({
    /** The host name is what TLS checks the controller's certificate against (its Service DNS name in a cluster). */
    address: hostPort,
    /** PEM roots for the controller's xDS certificate: with it, TLS; without it, plaintext (local mode). Re-read on every reconnect. */
    caFile: z.string().min(1).optional(),
    /** First reconnect delay; doubles (with jitter) up to maxBackoffMs while the controller is away. */
    initialBackoffMs: z.number().int().positive().default(250),
    maxBackoffMs: z.number().int().positive().default(10_000),
  }),
  admin: z.object({ address: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535) }),
  /** The only port meant for outside the pod: /ready, /stats/prometheus and /app-health/<key>. */
  health: z.object({ address: z.string().default('0.0.0.0'), port: z.number().int().min(0).max(65535) }).optional(),
  /** The app containers' original probes, which the kubelet reaches through GET /app-health/<key>. */
  appProbes: AppProbesSchema.default({}),
  /** Identity token sent as node metadata TOKEN; re-read on every (re)connect so rotation works. */
  tokenPath: z.string().optional(),
  drainTimeoutMs: z.number().int().nonnegative().default(5_000),
  tracing: z
    .object({
      otlpEndpoint: z.string().url(),
      samplingPercent: z.number().min(0).max(100).default(100),
      serviceName: z.string().optional(),
    })
    .optional(),
});

export type Bootstrap = z.infer<typeof BootstrapSchema>;
export type BootstrapInput = z.input<typeof BootstrapSchema>;

/** Validates a bootstrap object; the error names every offending field. */
export function parseBootstrap(input: unknown, source = 'bootstrap'): Bootstrap {
  const result = BootstrapSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ProxyError(ErrorCode.BootstrapInvalid, `${source} is invalid: ${problems.join('; ')}`);
  }
  return result.data;
}

/** Reads a YAML or JSON bootstrap file (YAML is a superset of JSON). Relative token and CA paths resolve from it. */
export function loadBootstrapFile(file: string): Bootstrap {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ProxyError(ErrorCode.BootstrapInvalid, `cannot read bootstrap ${file}`, { cause: error });
  }
  const bootstrap = parseBootstrap(parseYaml(text), file);
  if (bootstrap.tokenPath && !path.isAbsolute(bootstrap.tokenPath)) {
    bootstrap.tokenPath = path.resolve(path.dirname(file), bootstrap.tokenPath);
  }
  if (bootstrap.controller.caFile && !path.isAbsolute(bootstrap.controller.caFile)) {
    bootstrap.controller.caFile = path.resolve(path.dirname(file), bootstrap.controller.caFile);
  }
  return bootstrap;
}

/** Node metadata as sent to the controller, with TOKEN read fresh from tokenPath. */
export function nodeMetadata(bootstrap: Bootstrap): { [key: string]: JsonValue } {
  const metadata: { [key: string]: JsonValue } = { ...(bootstrap.node.metadata as { [key: string]: JsonValue }) };
  if (bootstrap.tokenPath) metadata['TOKEN'] = readFileSync(bootstrap.tokenPath, 'utf8').trim();
  return metadata;
}
