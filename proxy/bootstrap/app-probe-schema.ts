import * as z from 'zod/mini';

const port = z.int().check(z.gte(1), z.lte(65535));

/** The app container's own probe actions, as its pod spec had them before injection. */
const HttpGetSchema = z.strictObject({
  port,
  // The kubelet accepts a path without its leading slash.
  path: z.pipe(
    z._default(z.string(), '/'),
    z.transform((path: string) => (path.startsWith('/') ? path : `/${path}`)),
  ),
  scheme: z._default(z.enum(['HTTP', 'HTTPS']), 'HTTP'),
  httpHeaders: z._default(z.array(z.strictObject({ name: z.string().check(z.minLength(1)), value: z.string() })), []),
});
const TcpSocketSchema = z.strictObject({ port });
const GrpcSchema = z.strictObject({ port, service: z._default(z.string(), '') });

export type HttpGetAction = z.infer<typeof HttpGetSchema>;
export type TcpSocketAction = z.infer<typeof TcpSocketSchema>;
export type GrpcAction = z.infer<typeof GrpcSchema>;

/** One probe of an app container, run by the proxy against 127.0.0.1 on the kubelet's behalf. */
export type AppProbe = { timeoutSeconds: number } & ({ httpGet: HttpGetAction } | { tcpSocket: TcpSocketAction } | { grpc: GrpcAction });

// One object with three optional actions rather than a union, so errors name the offending field.
const AppProbeSchema = z.pipe(
  z.strictObject({
    httpGet: z.optional(HttpGetSchema),
    tcpSocket: z.optional(TcpSocketSchema),
    grpc: z.optional(GrpcSchema),
    /** Kubernetes' default. */
    timeoutSeconds: z._default(z.int().check(z.positive()), 1),
  }),
  z.transform(({ httpGet, tcpSocket, grpc, timeoutSeconds }, ctx): AppProbe => {
    if (httpGet && !tcpSocket && !grpc) return { timeoutSeconds, httpGet };
    if (tcpSocket && !httpGet && !grpc) return { timeoutSeconds, tcpSocket };
    if (grpc && !httpGet && !tcpSocket) return { timeoutSeconds, grpc };
    ctx.issues.push({ code: 'custom', message: 'set exactly one of httpGet, tcpSocket, grpc', input: ctx.value });
    return z.NEVER;
  }),
);

const KEY_FORMAT = '<container>/<livez|readyz|startupz>';

/** Probes keyed as the health listener serves them: GET /app-health/<container>/<livez|readyz|startupz>. */
export const AppProbesSchema = z.record(z.string().check(z.regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/(livez|readyz|startupz)$/)), AppProbeSchema, {
  error: (issue) => (issue.code === 'invalid_key' ? `key must be ${KEY_FORMAT}` : undefined),
});
