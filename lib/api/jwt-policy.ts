import { z } from 'zod';
import { headerName, targetRef } from './common';

export const jwtRule = z
  .strictObject({
    issuer: z.string().min(1).max(1024),
    audiences: z.array(z.string().min(1).max(1024)).max(32).default([]).describe('Accepted "aud" values; empty accepts any.'),
    jwksUri: z.string().url().max(2048).optional(),
    jwks: z.string().max(65_536).optional().describe('Inline JWKS JSON.'),
    fromHeaders: z
      .array(z.strictObject({ name: headerName, prefix: z.string().max(64).optional() }))
      .max(8)
      .default([{ name: 'authorization', prefix: 'Bearer ' }]),
    fromParams: z.array(z.string().min(1).max(256)).max(8).default([]),
    fromCookies: z.array(z.string().min(1).max(256)).max(8).default([]),
    forwardOriginalToken: z.boolean().default(false),
    outputClaimToHeaders: z.array(z.strictObject({ header: headerName, claim: z.string().min(1).max(256) })).max(16).default([]),
  })
  .superRefine((rule, ctx) => {
    if ((rule.jwks === undefined) === (rule.jwksUri === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['jwksUri'], message: 'set exactly one of jwksUri or jwks (inline keys)' });
    }
    if (rule.jwks !== undefined) {
      try {
        const parsed = JSON.parse(rule.jwks) as { keys?: unknown };
        if (!Array.isArray(parsed.keys)) throw new Error('no keys array');
      } catch {
        ctx.addIssue({ code: 'custom', path: ['jwks'], message: 'is not a JWKS document; it must be JSON like {"keys":[...]}' });
      }
    }
  });

export const jwtPolicySpec = z.strictObject({
  targetRef: targetRef,
  rules: z.array(jwtRule).min(1).max(16),
  required: z.boolean().default(true).describe('true answers 401 to requests without a token; false only rejects invalid tokens (Istio RequestAuthentication).'),
});

export type JwtRule = z.input<typeof jwtRule>;
export type JwtPolicySpec = z.infer<typeof jwtPolicySpec>;
export type JwtPolicySpecInput = z.input<typeof jwtPolicySpec>;
