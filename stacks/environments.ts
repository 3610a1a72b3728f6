import { z } from 'zod';
import { mtlsMode } from '../lib/api/mesh';
import { percent } from '../lib/api/common';
import { fieldPath } from '../lib/validation/finding';

/** What differs between environments; everything else comes from the one platform definition. */
export const environmentSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, { message: 'must be a short lowercase name like "dev"' }),
  mtlsMode: mtlsMode.exclude(['DISABLE']).describe('Mesh-wide mTLS: PERMISSIVE while workloads migrate, STRICT once all are meshed.'),
  tracingSamplingPercent: percent,
});

export type Environment = z.infer<typeof environmentSchema>;

/** The environments the platform ships, from the least to the most guarded. */
export const ENVIRONMENTS: readonly Environment[] = [
  { name: 'dev', mtlsMode: 'PERMISSIVE', tracingSamplingPercent: 100 },
  { name: 'staging', mtlsMode: 'STRICT', tracingSamplingPercent: 10 },
  { name: 'prod', mtlsMode: 'STRICT', tracingSamplingPercent: 1 },
].map((e) => parseEnvironment(e));

/** Validates an environment override; the error names the environment, the field and the reason. */
export function parseEnvironment(input: unknown): Environment {
  const result = environmentSchema.safeParse(input);
  if (result.success) return result.data;
  const name = (input as { name?: unknown } | null)?.name;
  const lines = result.error.issues.map((i) => `environment ${JSON.stringify(name ?? '<unnamed>')}: ${fieldPath(i.path)} ${i.message}`);
  throw new Error(lines.join('\n'));
}

export function environmentNamed(name: string): Environment {
  const env = ENVIRONMENTS.find((e) => e.name === name);
  if (!env) throw new Error(`no environment named "${name}"; use one of ${ENVIRONMENTS.map((e) => e.name).join(', ')}`);
  return env;
}
