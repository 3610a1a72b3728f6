import { z } from 'zod';
import { mtlsMode } from '../lib/api/mesh';
import { int, percent } from '../lib/api/common';
import { fieldPath } from '../lib/validation/finding';

/** What differs between environments; everything else comes from the one platform definition. */
const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G)?$/, { message: 'must be a Kubernetes quantity like "100m" or "256Mi"' });
const resources = z.strictObject({
  requests: z.strictObject({ cpu: quantity, memory: quantity }),
  limits: z.strictObject({ cpu: quantity.optional(), memory: quantity }),
});

export const environmentSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, { message: 'must be a short lowercase name like "dev"' }),
  mtlsMode: mtlsMode.exclude(['DISABLE']).describe('Mesh-wide mTLS: PERMISSIVE while workloads migrate, STRICT once all are meshed.'),
  tracingSamplingPercent: percent,
  controllerReplicas: int(1, 9).describe('Controller replicas; more than one gets leader election, anti-affinity and a PodDisruptionBudget.'),
  controllerResources: resources,
  gatewayReplicas: int(1, 9).describe('Replicas of the example mesh\'s ingress gateway; more than one gets anti-affinity and a PodDisruptionBudget.'),
  prometheusRetention: z.string().regex(/^[1-9][0-9]*(h|d|w|y)$/, { message: 'must be a Prometheus retention like "2d" or "30d"' }),
});

export type Environment = z.infer<typeof environmentSchema>;

/** The environments the platform ships, from the least to the most guarded. */
export const ENVIRONMENTS: readonly Environment[] = [
  {
    name: 'dev',
    mtlsMode: 'PERMISSIVE',
    tracingSamplingPercent: 100,
    controllerReplicas: 1,
    controllerResources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
    gatewayReplicas: 1,
    prometheusRetention: '2d',
  },
  {
    name: 'staging',
    mtlsMode: 'STRICT',
    tracingSamplingPercent: 10,
    controllerReplicas: 2,
    controllerResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    gatewayReplicas: 2,
    prometheusRetention: '7d',
  },
  {
    name: 'prod',
    mtlsMode: 'STRICT',
    tracingSamplingPercent: 1,
    controllerReplicas: 3,
    controllerResources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '1Gi' } },
    gatewayReplicas: 3,
    prometheusRetention: '30d',
  },
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
