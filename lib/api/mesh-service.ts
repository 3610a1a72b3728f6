import { z } from 'zod';
import { dnsLabel, int, labels, portNumber } from './common';

export const protocol = z.enum(['http', 'http2', 'grpc', 'tcp']);

export const servicePort = z.strictObject({
  name: dnsLabel.optional().describe('Port name. @default the protocol and the number, like "http-9080"'),
  port: portNumber.describe('Port clients call.'),
  targetPort: portNumber.optional().describe('Port the application listens on. @default port'),
  protocol: protocol.default('http'),
});

export const serviceVersion = z.strictObject({
  name: dnsLabel.describe('Version name routes refer to, like "v2".'),
  labels: labels.describe('Pod labels that select this version (added to the service selector).'),
});

export const meshServiceSpec = z
  .strictObject({
    selector: labels.describe('Pod labels that select the workload.'),
    ports: z.array(servicePort).min(1).max(64),
    serviceAccount: dnsLabel.optional().describe('Identity of the workload: spiffe://<trust domain>/ns/<namespace>/sa/<serviceAccount>. @default the service name'),
    versions: z.array(serviceVersion).max(32).default([]),
    calls: z
      .array(z.strictObject({ name: dnsLabel, namespace: dnsLabel.optional() }))
      .max(256)
      .default([])
      .describe('Services this workload calls (MeshServices or ExternalServices); its sidecar gets outbound config only for these (Istio Sidecar egress).'),
    sidecar: z
      .strictObject({
        inject: z.boolean().default(true).describe('false leaves the workload outside the mesh (no proxy, plaintext only).'),
      })
      .default({ inject: true }),
    replicas: int(0, 1000).optional().describe('Replicas of a Deployment this service creates.'),
  })
  .superRefine((spec, ctx) => {
    if (Object.keys(spec.selector).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['selector'], message: 'is empty; it would select every pod in the namespace. Add a label like app: <name>' });
    }
    uniqueBy(spec.ports, (p) => p.port, ctx, 'ports', 'port');
    uniqueBy(spec.versions, (v) => v.name, ctx, 'versions', 'name');
  });

/** Reports the second occurrence of a key in a list field. */
export function uniqueBy<T>(items: readonly T[], key: (item: T) => unknown, ctx: z.RefinementCtx, field: string, keyField: string): void {
  const seen = new Set<unknown>();
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) {
      ctx.addIssue({ code: 'custom', path: [field, i, keyField], message: `repeats ${JSON.stringify(k)}; each ${keyField} must appear once in ${field}` });
    }
    seen.add(k);
  });
}

export type Protocol = z.infer<typeof protocol>;
export type ServicePort = z.input<typeof servicePort>;
export type ServiceVersion = z.input<typeof serviceVersion>;
export type MeshServiceSpec = z.infer<typeof meshServiceSpec>;
export type MeshServiceSpecInput = z.input<typeof meshServiceSpec>;
