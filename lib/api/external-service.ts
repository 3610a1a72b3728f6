import { z } from 'zod';
import { dnsLabel, hostName, portNumber } from './common';
import { uniqueBy } from './mesh-service';

export const externalServiceSpec = z
  .strictObject({
    hosts: z.array(hostName).min(1).max(32).describe('Host names clients call, like "api.stripe.com".'),
    ports: z
      .array(
        z.strictObject({
          name: dnsLabel.optional(),
          port: portNumber,
          protocol: z.enum(['http', 'https', 'http2', 'grpc', 'tls', 'tcp']).default('https'),
        }),
      )
      .min(1)
      .max(16),
    resolution: z.enum(['DNS', 'STATIC']).default('DNS').describe('DNS: resolve the hosts; STATIC: use endpoints.'),
    endpoints: z
      .array(z.strictObject({ address: z.string().min(1).max(253), port: portNumber.optional() }))
      .max(64)
      .default([])
      .describe('Fixed addresses (resolution STATIC).'),
    tls: z
      .strictObject({
        mode: z.enum(['NONE', 'ORIGINATE']).default('NONE').describe('ORIGINATE: the sidecar speaks TLS to the external host, so the app may call it in plaintext.'),
        sni: hostName.optional(),
        caCertificates: z.string().max(65_536).optional().describe('PEM bundle to verify the external server. @default the system roots'),
      })
      .default({ mode: 'NONE' }),
    egressGateway: z
      .strictObject({
        name: dnsLabel.describe('A MeshGateway with role Egress.'),
        namespace: dnsLabel.optional().describe('@default the ExternalService\'s namespace'),
      })
      .optional()
      .describe('Calls leave the mesh through this egress gateway: sidecars send them to it over mTLS and it originates the TLS of `tls`. @default sidecars call the host directly'),
  })
  .superRefine((spec, ctx) => {
    uniqueBy(spec.ports, (p) => p.port, ctx, 'ports', 'port');
    if (spec.resolution === 'STATIC' && spec.endpoints.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['endpoints'], message: 'is empty but resolution is STATIC; list the addresses or use resolution DNS' });
    }
  });

export type ExternalServiceSpec = z.infer<typeof externalServiceSpec>;
export type ExternalServiceSpecInput = z.input<typeof externalServiceSpec>;
