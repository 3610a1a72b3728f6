import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import type { JsonValue } from '../../lib/xds';
import { ErrorCode, ProxyError } from '../errors';
import { AppProbesSchema } from './app-probe-schema';

// zod/mini, not zod: the full library costs every sidecar ~10 MB resident for these few checks.
// It has the same checks and, with its English locale, the same messages.
z.config(en());

const hostPort = z.string().check(z.regex(/^[^:]+:\d+$/, 'expected host:port'));
const port = z.int().check(z.gte(0), z.lte(65535));

const BootstrapSchema = z.object({
  node: z.object({
    id: z.string().check(z.minLength(1)),
    cluster: z._default(z.string(), ''),
    metadata: z._default(z.record(z.string(), z.json()), {}),
  }),
  controller: z.object({
    /** The host name is what TLS checks the controller's certificate against (its Service DNS name in a cluster). */
    address: hostPort,
    /** PEM roots for the controller's xDS certificate: with it, TLS; without it, plaintext (local mode). Re-read on every reconnect. */
    caFile: z.optional(z.string().check(z.minLength(1))),
    /** First reconnect delay; doubles (with jitter) up to maxBackoffMs while the controller is away. */
    initialBackoffMs: z._default(z.int().check(z.positive()), 250),
    maxBackoffMs: z._default(z.int().check(z.positive()), 10_000),
  }),
  admin: z.object({ address: z._default(z.string(), '127.0.0.1'), port }),
  /** The only port meant for outside the pod: /ready, /stats/prometheus and /app-health/<key>. */
  health: z.optional(z.object({ address: z._default(z.string(), '0.0.0.0'), port })),
  /** The app containers' original probes, which the kubelet reaches through GET /app-health/<key>. */
  appProbes: z._default(AppProbesSchema, {}),
  /**
   * The gateway role: the MeshGateway (`<namespace>/<name>`) this proxy runs, sent as node metadata
   * GATEWAY. The controller then sends that gateway's listeners instead of a sidecar's config.
   */
  gateway: z.optional(z.string().check(z.regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected <namespace>/<name> of a MeshGateway'))),
  /** Identity token sent as node metadata TOKEN; re-read on every (re)connect so rotation works. */
  tokenPath: z.optional(z.string()),
  drainTimeoutMs: z._default(z.int().check(z.nonnegative()), 5_000),
  tracing: z.optional(
    z.object({
      otlpEndpoint: z.url(),
      samplingPercent: z._default(z.number().check(z.gte(0), z.lte(100)), 100),
      serviceName: z.optional(z.string()),
    }),
  ),
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

/** Node metadata as sent to the controller, with GATEWAY from the gateway role and TOKEN read fresh from tokenPath. */
export function nodeMetadata(bootstrap: Bootstrap): { [key: string]: JsonValue } {
  const metadata: { [key: string]: JsonValue } = { ...(bootstrap.node.metadata as { [key: string]: JsonValue }) };
  if (bootstrap.gateway) metadata['GATEWAY'] = bootstrap.gateway;
  if (bootstrap.tokenPath) metadata['TOKEN'] = readFileSync(bootstrap.tokenPath, 'utf8').trim();
  return metadata;
}
