import { z } from 'zod';
import { dnsLabel, duration, parseDuration, headerName, hostName, httpMethod, httpStatus, int, percent, portNumber, stringMatch } from './common';
import { retryBudget } from './mesh';

/** Envoy's `retry_on` words (HTTP and gRPC), plus a status code like "503". */
export const RETRY_ON_WORDS = [
  '5xx',
  'gateway-error',
  'reset',
  'connect-failure',
  'refused-stream',
  'retriable-4xx',
  'retriable-status-codes',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
] as const;

export const retryOn = z.union([z.enum(RETRY_ON_WORDS), z.string().regex(/^[45][0-9]{2}$/, { message: 'must be a retry_on word or an HTTP status code like "503"' })]);

export const pathMatch = z
  .strictObject({
    type: z.enum(['Exact', 'Prefix', 'RegularExpression']).default('Prefix'),
    value: z.string().min(1).max(1024),
    ignoreCase: z.boolean().default(false),
  })
  .superRefine((m, ctx) => {
    if (m.type !== 'RegularExpression' && !m.value.startsWith('/')) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `is "${m.value}"; an ${m.type} path must start with "/"` });
    }
  });

export const headerMatch = z.strictObject({
  name: headerName,
  type: z.enum(['Exact', 'Prefix', 'RegularExpression', 'Present']).default('Exact'),
  value: z.string().max(1024).optional().describe('Required unless type is Present.'),
  invert: z.boolean().default(false).describe('Match requests where this header does NOT match (Istio withoutHeaders).'),
});

export const cookieMatch = stringMatch.extend({ name: z.string().min(1).max(256) });

export const queryParamMatch = z.strictObject({
  name: z.string().min(1).max(256),
  type: z.enum(['Exact', 'RegularExpression', 'Present']).default('Exact'),
  value: z.string().max(1024).optional(),
});

export const routeMatch = z.strictObject({
  path: pathMatch.optional(),
  method: httpMethod.optional(),
  headers: z.array(headerMatch).max(16).default([]),
  cookies: z.array(cookieMatch).max(16).default([]),
  queryParams: z.array(queryParamMatch).max(16).default([]),
});

export const backendRef = z.strictObject({
  name: dnsLabel.optional().describe('Service to send to. @default the route\'s service'),
  namespace: dnsLabel.optional(),
  version: dnsLabel.optional().describe('Version (label subset) of the service. @default any version'),
  port: portNumber.optional(),
  weight: int(0, 100).default(100).describe('Share of requests in percent; the weights of a rule add up to 100.'),
});

export const retryPolicy = z.strictObject({
  attempts: int(0, 10).default(2).describe('Retries after the first try (Envoy num_retries).'),
  perTryTimeout: duration({ min: '1ms', max: '1h' }).optional(),
  retryOn: z.array(retryOn).min(1).max(16).default(['connect-failure', 'refused-stream', 'unavailable', 'cancelled']),
  backoff: z
    .strictObject({
      baseInterval: duration({ min: '1ms', max: '1m' }).default('25ms'),
      maxInterval: duration({ min: '1ms', max: '5m' }).optional().describe('@default 10 x baseInterval'),
    })
    .optional(),
  budget: retryBudget.optional().describe('Overrides the mesh\'s retry budget for this rule.'),
});

export const faultInjection = z
  .strictObject({
    delay: z.strictObject({ fixedDelay: duration({ min: '1ms', max: '1h' }), percent: percent.default(100) }).optional(),
    abort: z
      .strictObject({
        httpStatus: int(200, 599).optional(),
        grpcStatus: z
          .enum(['CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'])
          .optional(),
        percent: percent.default(100),
      })
      .superRefine((abort, ctx) => {
        if ((abort.httpStatus === undefined) === (abort.grpcStatus === undefined)) {
          ctx.addIssue({ code: 'custom', path: ['httpStatus'], message: 'set exactly one of httpStatus or grpcStatus' });
        }
      })
      .optional(),
  })
  .superRefine((fault, ctx) => {
    if (fault.delay === undefined && fault.abort === undefined) {
      ctx.addIssue({ code: 'custom', message: 'sets neither delay nor abort; set at least one' });
    }
  });

export const headerChanges = z.strictObject({
  set: z.record(headerName, z.string().max(4096)).default({}),
  add: z.record(headerName, z.string().max(4096)).default({}),
  remove: z.array(headerName).max(64).default([]),
});

export const routeRule = z
  .strictObject({
    name: dnsLabel.optional().describe('Rule name, used in metrics and access logs.'),
    matches: z.array(routeMatch).max(16).default([]).describe('Any one match selects the rule; none matches every request.'),
    backends: z.array(backendRef).max(16).default([]),
    timeout: duration({ min: '1ms', max: '24h' }).optional().describe('Whole-request timeout including retries; 504 after it.'),
    retry: retryPolicy.optional(),
    fault: faultInjection.optional(),
    mirror: z
      .strictObject({ backend: backendRef.omit({ weight: true }), percent: percent.default(100) })
      .optional()
      .describe('Copies requests to a shadow backend; its answer is discarded.'),
    rewrite: z
      .strictObject({
        path: z.strictObject({ type: z.enum(['ReplaceFullPath', 'ReplacePrefixMatch']), value: z.string().min(1).max(1024) }).optional(),
        authority: hostName.optional(),
      })
      .optional(),
    redirect: z
      .strictObject({
        scheme: z.enum(['http', 'https']).optional(),
        host: hostName.optional(),
        port: portNumber.optional(),
        path: z.string().min(1).max(1024).optional(),
        statusCode: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)]).default(302),
      })
      .optional(),
    directResponse: z.strictObject({ status: httpStatus, body: z.string().max(65_536).optional() }).optional(),
    requestHeaders: headerChanges.optional(),
    responseHeaders: headerChanges.optional(),
  })
  .superRefine((rule, ctx) => {
    const actions = [rule.backends.length > 0, rule.redirect !== undefined, rule.directResponse !== undefined].filter(Boolean).length;
    if (actions !== 1) {
      ctx.addIssue({ code: 'custom', path: ['backends'], message: 'a rule needs exactly one of backends, redirect or directResponse' });
    }
    const total = rule.backends.reduce((sum, b) => sum + b.weight, 0);
    if (rule.backends.length > 0 && total !== 100) {
      ctx.addIssue({
        code: 'custom',
        path: ['backends'],
        message: `weights add up to ${total}; they must add up to 100`,
        params: { code: 'WEIGHTS_SUM', limit: '= 100', fix: `change the weights (${rule.backends.map((b) => b.weight).join(' + ')}) so they add up to 100` },
      });
    }
    const perTry = rule.retry?.perTryTimeout;
    if (perTry !== undefined && rule.timeout !== undefined && safeDuration(perTry) > safeDuration(rule.timeout)) {
      ctx.addIssue({
        code: 'custom',
        path: ['retry', 'perTryTimeout'],
        message: `is ${perTry}, longer than the rule's timeout ${rule.timeout}; no retry could ever run`,
        params: { code: 'PER_TRY_EXCEEDS_TIMEOUT', limit: `<= ${rule.timeout}`, fix: `lower retry.perTryTimeout below ${rule.timeout} or raise timeout` },
      });
    }
  });

// Invalid durations are reported by their own field; here they only must not throw.
function safeDuration(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    return Number.NaN;
  }
}

export const trafficRouteSpec = z.strictObject({
  service: z
    .strictObject({ name: dnsLabel, namespace: dnsLabel.optional(), port: portNumber.optional() })
    .describe('The MeshService (or ExternalService) whose traffic this route decides. @default all its ports'),
  rules: z.array(routeRule).min(1).max(128).describe('Checked in order; the first rule with a matching match wins.'),
});

export type RouteRule = z.infer<typeof routeRule>;
export type RouteRuleInput = z.input<typeof routeRule>;
export type RouteMatch = z.input<typeof routeMatch>;
export type BackendRef = z.input<typeof backendRef>;
export type RetryPolicy = z.input<typeof retryPolicy>;
export type FaultInjectionSpec = z.input<typeof faultInjection>;
export type HeaderChanges = z.input<typeof headerChanges>;
export type RetryOn = z.infer<typeof retryOn>;
export type TrafficRouteSpec = z.infer<typeof trafficRouteSpec>;
export type TrafficRouteSpecInput = z.input<typeof trafficRouteSpec>;
