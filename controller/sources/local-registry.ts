import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { WorkloadInstance } from '../../lib/translate';
import { ControllerError, ControllerErrorCode } from '../errors';
import { sameData } from '../mesh-state';

const label = z.string().min(1).max(63);
const portMap = z.record(z.string().regex(/^[0-9]+$/), z.number().int().min(1).max(65535));

const workloadEntry = z
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
  .refine((w) => w.tokenSha256 === undefined || w.serviceAccount !== undefined, { message: 'tokenSha256 needs serviceAccount: the identity the token proves', path: ['serviceAccount'] });

/** docs/local-registry.md: the file the local runner writes to say which workloads run where. */
export const localRegistrySchema = z.strictObject({ version: z.literal(1), workloads: z.array(workloadEntry).default([]) });

/** The registry's frame alone: its entries are validated one by one, to validate only those that changed. */
const registryFrame = z.strictObject({ version: z.literal(1), workloads: z.array(z.unknown()).default([]) });

export type LocalRegistry = z.infer<typeof localRegistrySchema>;

/** The identity a local token proves. */
export interface LocalIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

type WorkloadEntry = LocalRegistry['workloads'][number];

/** Each registry parseLocalRegistry returned, with the entries as read (JSON), to compare the next read with. */
const entriesRead = new WeakMap<LocalRegistry, readonly unknown[]>();

/**
 * Parses and validates the registry. With `previous` (the last registry this returned), an entry
 * read again equal to one of it is not validated again: the previous entry is reused, the same
 * object. Findings are reported as the whole schema reports them.
 */
export function parseLocalRegistry(text: string, file: string, previous?: LocalRegistry): LocalRegistry {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ControllerError(ControllerErrorCode.RegistryInvalid, `${file} is not JSON: ${(error as Error).message}`);
  }
  return validEntryByEntry(json, previous) ?? validWhole(json, file);
}

function validEntryByEntry(json: unknown, previous: LocalRegistry | undefined): LocalRegistry | undefined {
  const frame = registryFrame.safeParse(json);
  if (!frame.success) return undefined;
  const before = previous ? entriesRead.get(previous) : undefined;
  const nameOf = (raw: unknown) => JSON.stringify([(raw as { namespace?: unknown } | null)?.namespace, (raw as { name?: unknown } | null)?.name]);
  // The runner mostly writes entries in the same order: look up by name only when that fails.
  let byName: Map<string, number> | undefined;
  const workloads: WorkloadEntry[] = [];
  for (const [i, raw] of frame.data.workloads.entries()) {
    let at: number | undefined = i;
    if (before && !sameData(before[i], raw)) {
      byName ??= new Map(before.map((b, k) => [nameOf(b), k]));
      at = byName.get(nameOf(raw));
    }
    if (before && at !== undefined && sameData(before[at], raw)) {
      workloads.push(previous!.workloads[at]!);
      continue;
    }
    const entry = workloadEntry.safeParse(raw);
    if (!entry.success) return undefined;
    workloads.push(entry.data);
  }
  const registry: LocalRegistry = { version: 1, workloads };
  entriesRead.set(registry, frame.data.workloads);
  return registry;
}

/** The whole schema at once: what reports a registry's findings, with their paths. */
function validWhole(json: unknown, file: string): LocalRegistry {
  const parsed = localRegistrySchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ControllerError(ControllerErrorCode.RegistryInvalid, `${file} is not a local registry: ${problems}`);
  }
  return parsed.data;
}

export function readLocalRegistry(file: string, previous?: LocalRegistry): LocalRegistry {
  return parseLocalRegistry(readFileSync(file, 'utf8'), file, previous);
}

/** Workload instances made from registry entries, by entry: an entry reused by a later read gives the same instance. */
const instances = new WeakMap<WorkloadEntry, WorkloadInstance>();

export function workloadsOf(registry: LocalRegistry): WorkloadInstance[] {
  return registry.workloads.map((entry) => {
    let instance = instances.get(entry);
    if (!instance) {
      const { serviceAccount: _sa, tokenSha256: _token, ...w } = entry;
      instance = w;
      instances.set(entry, instance);
    }
    return instance;
  });
}

/** Token hash → identity, for the local token check. */
export function tokenIdentities(registry: LocalRegistry): Map<string, LocalIdentity> {
  return new Map(registry.workloads.flatMap((w) => (w.tokenSha256 ? [[w.tokenSha256, { namespace: w.namespace, serviceAccount: w.serviceAccount! }] as const] : [])));
}
