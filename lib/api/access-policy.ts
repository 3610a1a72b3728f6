import { z } from 'zod';
import { dnsLabel, httpMethod, portNumber, targetRef } from './common';

const strings = (max: number) => z.array(z.string().min(1).max(1024)).max(max).optional();

export const accessSource = z.strictObject({
  principals: strings(64).describe('SPIFFE ids without the scheme, like "cluster.local/ns/default/sa/web"; "*" suffix/prefix wildcards.'),
  notPrincipals: strings(64),
  serviceAccounts: z.array(dnsLabel).max(64).optional().describe('Service accounts in namespaces (or the policy\'s namespace).'),
  namespaces: z.array(dnsLabel).max(64).optional(),
  notNamespaces: z.array(dnsLabel).max(64).optional(),
  requestPrincipals: strings(64).describe('"<issuer>/<subject>" of a validated JWT.'),
  notRequestPrincipals: strings(64),
});

export const accessOperation = z.strictObject({
  methods: z.array(httpMethod).max(16).optional(),
  notMethods: z.array(httpMethod).max(16).optional(),
  paths: strings(64).describe('Exact paths, "/prefix/*" or "*/suffix".'),
  notPaths: strings(64),
  ports: z.array(portNumber).max(64).optional(),
});

export const accessCondition = z.strictObject({
  key: z
    .string()
    .regex(/^(request\.auth\.claims\[[^\]]+\](\[[^\]]+\])*|request\.headers\[[^\]]+\]|source\.namespace|source\.principal|request\.auth\.principal)$/, {
      message: 'must be a condition key like "request.auth.claims[groups]", "request.headers[x-user]" or "source.namespace"',
    }),
  values: strings(64),
  notValues: strings(64),
});

export const accessRule = z.strictObject({
  from: z.array(accessSource).max(16).default([]).describe('Any one source matches; none matches every source.'),
  to: z.array(accessOperation).max(16).default([]),
  when: z.array(accessCondition).max(16).default([]).describe('All conditions must hold.'),
});

export const accessPolicySpec = z.strictObject({
  targetRef: targetRef,
  action: z.enum(['ALLOW', 'DENY', 'AUDIT']).default('ALLOW').describe('DENY policies are evaluated before ALLOW; a workload with ALLOW policies denies what none allows.'),
  rules: z.array(accessRule).max(64).default([]).describe('An ALLOW policy with no rules allows nothing (deny-all).'),
});

export type AccessSource = z.input<typeof accessSource>;
export type AccessOperation = z.input<typeof accessOperation>;
export type AccessCondition = z.input<typeof accessCondition>;
export type AccessRule = z.input<typeof accessRule>;
export type AccessPolicySpec = z.infer<typeof accessPolicySpec>;
export type AccessPolicySpecInput = z.input<typeof accessPolicySpec>;
