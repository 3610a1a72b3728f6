import { z } from 'zod';

const port = z.number().int().min(1).max(65535);

/** The app container's own probe actions, as its pod spec had them before injection. */
const HttpGetSchema = z.strictObject({
  port,
  // The kubelet accepts a path without its leading slash.
  path: z
    .string()
    .default('/')
    .transform((path) => (path.startsWith('/') ? path : `/${path}`)),
  scheme: z.enum(['HTTP', 'HTTPS']).default('HTTP'),
  httpHeaders: z.array(z.strictObject({ name: z.string().min(1), value: z.string() })).default([]),
});
const TcpSocketSchema = z.strictObject({ port });
const GrpcSchema = z.strictObject({ port, service: z.string().default('') });

export type HttpGetAction = z.infer<typeof HttpGetSchema>;
export type TcpSocketAction = z.infer<typeof TcpSocketSchema>;
export type GrpcAction = z.infer<typeof GrpcSchema>;

/** One probe of an app container, run by the proxy against 127.0.0.1 on the kubelet's behalf. */
export type AppProbe = { timeoutSeconds: number } & ({ httpGet: HttpGetAction } | { tcpSocket: TcpSocketAction } | { grpc: GrpcAction });

// One object with three optional actions rather than a union, so errors name the offending field.
const AppProbeSchema = z
  .strictObject({
    httpGet: HttpGetSchema.optional(),
    tcpSocket: TcpSocketSchema.optional(),
    grpc: GrpcSchema.optional(),
    /** Kubernetes' default. */
    timeoutSeconds: z.number().int().positive().default(1),
  })
  .transform(({ httpGet, tcpSocket, grpc, timeoutSeconds }, ctx): AppProbe => {
    if (httpGet && !tcpSocket && !grpc) return { timeoutSeconds, httpGet };
    if (tcpSocket && !httpGet && !grpc) return { timeoutSeconds, tcpSocket };
    if (grpc && !httpGet && !tcpSocket) return { timeoutSeconds, grpc };
    ctx.addIssue({ code: 'custom', message: 'set exactly one of httpGet, tcpSocket, grpc' });
    return z.NEVER;
  });

const KEY_FORMAT = '<container>/<livez|readyz|startupz>';

/** Probes keyed as the health listener serves them: GET /app-health/<container>/<livez|readyz|startupz>. */
export const AppProbesSchema = z.record(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/(livez|readyz|startupz)$/), AppProbeSchema, {
  error: (issue) => (issue.code === 'invalid_key' ? `key must be ${KEY_FORMAT}` : undefined),
});
