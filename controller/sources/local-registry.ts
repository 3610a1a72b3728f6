import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { WorkloadInstance } from '../../lib/translate';
import { ControllerError, ControllerErrorCode } from '../errors';

const label = z.string().min(1).max(63);
const portMap = z.record(z.string().regex(/^[0-9]+$/), z.number().int().min(1).max(65535));

/** docs/local-registry.md: the file the local runner writes to say which workloads run where. */
export const localRegistrySchema = z.strictObject({
  version: z.literal(1),
  workloads: z
    .array(
      z
        .strictObject({
          name: z.string().min(1).max(253),
          namespace: label.default('default'),
          address: z.ipv4(),
          labels: z.record(z.string(), z.string()).default({}),
          ports: portMap.optional(),
          app: z.strictObject({ address: z.ipv4(), ports: portMap.optional() }).optional(),
          locality: z.strictObject({ region: z.string().optional(), zone: z.string().optional(), subZone: z.string().optional() }).optional(),
          ready: z.boolean().default(true),
          serviceAccount: label.optional(),
          tokenSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
        })
        .refine((w) => w.tokenSha256 === undefined || w.serviceAccount !== undefined, { message: 'tokenSha256 needs serviceAccount: the identity the token proves', path: ['serviceAccount'] }),
    )
    .default([]),
});

export type LocalRegistry = z.infer<typeof localRegistrySchema>;

/** The identity a local token proves. */
export interface LocalIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function parseLocalRegistry(text: string, file: string): LocalRegistry {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ControllerError(ControllerErrorCode.RegistryInvalid, `${file} is not JSON: ${(error as Error).message}`);
  }
  const parsed = localRegistrySchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ControllerError(ControllerErrorCode.RegistryInvalid, `${file} is not a local registry: ${problems}`);
  }
  return parsed.data;
}

export function readLocalRegistry(file: string): LocalRegistry {
  return parseLocalRegistry(readFileSync(file, 'utf8'), file);
}

export function workloadsOf(registry: LocalRegistry): WorkloadInstance[] {
  return registry.workloads.map(({ serviceAccount: _sa, tokenSha256: _token, ...w }) => w);
}

/** Token hash → identity, for the local token check. */
export function tokenIdentities(registry: LocalRegistry): Map<string, LocalIdentity> {
  return new Map(registry.workloads.flatMap((w) => (w.tokenSha256 ? [[w.tokenSha256, { namespace: w.namespace, serviceAccount: w.serviceAccount! }] as const] : [])));
}
