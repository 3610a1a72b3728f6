import { z } from 'zod';
import { portNumber, targetRef } from './common';
import { mtlsMode } from './mesh';
import { uniqueBy } from './mesh-service';

export const mtlsPolicySpec = z
  .strictObject({
    targetRef: targetRef.describe('Mesh, Namespace (this policy\'s) or one MeshService; the most specific policy wins.'),
    mode: mtlsMode,
    portLevel: z.array(z.strictObject({ port: portNumber, mode: mtlsMode })).max(64).default([]).describe('Per-port modes of a MeshService target.'),
  })
  .superRefine((spec, ctx) => {
    if (spec.targetRef.kind === 'MeshGateway') {
      ctx.addIssue({ code: 'custom', path: ['targetRef', 'kind'], message: 'is MeshGateway, whose listeners set their own TLS (an egress gateway always takes mesh mTLS); target the services behind it' });
    }
    if (spec.portLevel.length > 0 && spec.targetRef.kind !== 'MeshService') {
      ctx.addIssue({ code: 'custom', path: ['portLevel'], message: `is set but targetRef.kind is ${spec.targetRef.kind}; port modes need a MeshService target` });
    }
    uniqueBy(spec.portLevel, (p) => p.port, ctx, 'portLevel', 'port');
  });

export type MtlsPolicySpec = z.infer<typeof mtlsPolicySpec>;
export type MtlsPolicySpecInput = z.input<typeof mtlsPolicySpec>;
