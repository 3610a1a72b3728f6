import { z } from 'zod';
import { dnsLabel, dnsSubdomain, duration, int } from './common';

export const mtlsMode = z.enum(['STRICT', 'PERMISSIVE', 'DISABLE']).describe('STRICT accepts only mTLS; PERMISSIVE accepts mTLS and plaintext (the migration step); DISABLE accepts only plaintext.');

export const retryBudget = z
  .strictObject({
    retryRatio: z.number().min(0).max(1).default(0.2).describe('Retries allowed as a fraction of requests (Linkerd: 0.2 = 20% extra load at most).'),
    minRetriesPerSecond: int(0, 100_000).default(10).describe('Retries always allowed per second, whatever the ratio.'),
    ttl: duration({ min: '1s', max: '1h' }).default('10s').describe('Window over which requests and retries are counted.'),
  })
  .describe('A retry budget (Linkerd semantics): retries may add at most retryRatio of the request load.');

export const certificateAuthority = z
  .strictObject({
    type: z.enum(['SelfSigned', 'Provided']).default('SelfSigned').describe('SelfSigned: the controller makes its own root; Provided: a root or intermediate from a Secret.'),
    secretName: dnsSubdomain.optional().describe('Secret with ca.crt, ca.key (and cert-chain.pem for an intermediate) in the control plane namespace. Required when type is Provided.'),
    workloadCertTtl: duration({ min: '10m', max: '2160h' }).default('24h').describe('Lifetime of workload certificates (SPIFFE SVIDs).'),
    rootCertTtl: duration({ min: '24h', max: '87600h' }).default('8760h').describe('Lifetime of a self-signed root.'),
  })
  .superRefine((ca, ctx) => {
    if (ca.type === 'Provided' && ca.secretName === undefined) {
      ctx.addIssue({ code: 'custom', path: ['secretName'], message: 'is required when type is Provided; name the Secret holding ca.crt and ca.key' });
    }
  });

export const meshSpec = z.strictObject({
  trustDomain: dnsSubdomain.default('cluster.local').describe('SPIFFE trust domain of workload identities.'),
  mtls: z
    .strictObject({ mode: mtlsMode.default('PERMISSIVE') })
    .default({ mode: 'PERMISSIVE' })
    .describe('Mesh-wide default mTLS mode; MtlsPolicy resources override it per namespace, workload or port.'),
  ca: certificateAuthority.default({ type: 'SelfSigned', workloadCertTtl: '24h', rootCertTtl: '8760h' }),
  outboundPolicy: z.enum(['ALLOW_ANY', 'REGISTRY_ONLY']).default('ALLOW_ANY').describe('REGISTRY_ONLY blocks calls to hosts that are neither MeshServices nor ExternalServices.'),
  retryBudget: retryBudget.optional().describe('Default retry budget for every route that retries.'),
  controlPlaneNamespace: dnsLabel.default('meshform-system'),
});

export type MeshSpec = z.infer<typeof meshSpec>;
export type MeshSpecInput = z.input<typeof meshSpec>;
export type MtlsMode = z.infer<typeof mtlsMode>;
export type RetryBudget = z.input<typeof retryBudget>;
export type CertificateAuthority = z.input<typeof certificateAuthority>;
