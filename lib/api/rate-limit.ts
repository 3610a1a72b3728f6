import { z } from 'zod';
import { dnsLabel, duration, headerName, int, targetRef } from './common';

export const rateLimitSpec = z
  .strictObject({
    targetRef: targetRef.describe('The workload (MeshService) whose inbound requests are limited, every workload of a Namespace/Mesh, or a MeshGateway\'s requests.'),
    route: dnsLabel.optional().describe('Limit only this rule (by rule name): at a MeshGateway, the GatewayRoute rules of that name. @default every request'),
    local: z.strictObject({
      tokens: int(1, 1_000_000).describe('Bucket size: requests allowed in a burst.'),
      fillInterval: duration({ min: '50ms', max: '24h' }).describe('How often the bucket is refilled.'),
      tokensPerFill: int(1, 1_000_000).optional().describe('@default tokens'),
    }),
    response: z
      .strictObject({
        status: int(400, 599).default(429),
        headers: z.record(headerName, z.string().max(4096)).default({}),
      })
      .default({ status: 429, headers: {} }),
  })
  .superRefine((spec, ctx) => {
    if (spec.local.tokensPerFill !== undefined && spec.local.tokensPerFill > spec.local.tokens) {
      ctx.addIssue({ code: 'custom', path: ['local', 'tokensPerFill'], message: `is ${spec.local.tokensPerFill}, more than the bucket holds (tokens ${spec.local.tokens}); lower it or raise tokens` });
    }
  });

export type RateLimitSpec = z.infer<typeof rateLimitSpec>;
export type RateLimitSpecInput = z.input<typeof rateLimitSpec>;
