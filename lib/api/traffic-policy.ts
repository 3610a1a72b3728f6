import { z } from 'zod';
import { dnsLabel, duration, headerName, int, percent } from './common';
import { retryBudget } from './mesh';

const MAX_INT32 = 2_147_483_647;

export const consistentHash = z
  .strictObject({
    header: headerName.optional().describe('Hash on this request header.'),
    cookie: z
      .strictObject({
        name: z.string().min(1).max(256),
        ttl: duration({ min: '1s', max: '8760h' }).optional().describe('When set, the proxy issues the cookie if the request lacks it.'),
        path: z.string().max(1024).optional(),
      })
      .optional(),
    sourceIp: z.boolean().optional(),
    queryParam: z.string().min(1).max(256).optional(),
    algorithm: z.enum(['RingHash', 'Maglev']).default('RingHash'),
    minimumRingSize: int(1, 8_388_608).default(1024),
  })
  .superRefine((hash, ctx) => {
    const keys = [hash.header, hash.cookie, hash.sourceIp ? true : undefined, hash.queryParam].filter((k) => k !== undefined).length;
    if (keys !== 1) {
      ctx.addIssue({ code: 'custom', message: 'set exactly one of header, cookie, sourceIp or queryParam to hash on' });
    }
  });

export const loadBalancer = z
  .strictObject({
    type: z.enum(['RoundRobin', 'LeastRequest', 'Random', 'ConsistentHash']).default('RoundRobin'),
    choiceCount: int(2, 100).optional().describe('Endpoints sampled per pick for LeastRequest (power of two choices).'),
    consistentHash: consistentHash.optional(),
  })
  .superRefine((lb, ctx) => {
    if ((lb.type === 'ConsistentHash') !== (lb.consistentHash !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['consistentHash'], message: 'is set exactly when type is ConsistentHash' });
    }
  });

export const connectionPool = z.strictObject({
  tcp: z
    .strictObject({
      maxConnections: int(1, MAX_INT32).optional().describe('Connections to all endpoints of the destination together.'),
      connectTimeout: duration({ min: '1ms', max: '1h' }).optional(),
    })
    .optional(),
  http: z
    .strictObject({
      http1MaxPendingRequests: int(1, MAX_INT32).optional().describe('Requests waiting for a connection; past it requests get 503 at once.'),
      http2MaxRequests: int(1, MAX_INT32).optional().describe('Requests in flight to the destination.'),
      maxRequestsPerConnection: int(0, MAX_INT32).optional().describe('0 means unlimited.'),
      maxRetries: int(0, MAX_INT32).optional().describe('Retries in flight to the destination.'),
      idleTimeout: duration({ min: '1ms', max: '24h' }).optional(),
    })
    .optional(),
});

export const outlierDetection = z.strictObject({
  consecutive5xxErrors: int(0, 1000).optional().describe('Ejects an endpoint after this many consecutive 5xx; 0 disables.'),
  consecutiveGatewayErrors: int(0, 1000).optional().describe('Ejects after this many consecutive 502/503/504; 0 disables.'),
  interval: duration({ min: '1ms', max: '1h' }).default('10s').describe('Time between ejection sweeps.'),
  baseEjectionTime: duration({ min: '1ms', max: '1h' }).default('30s').describe('Ejection lasts this times the number of times the endpoint was ejected.'),
  maxEjectionPercent: percent.default(10).describe('At most this share of endpoints is ejected at once.'),
  minHealthPercent: percent.default(0).describe('Outlier detection pauses when fewer endpoints than this are healthy.'),
});

export const trafficPolicySpec = z
  .strictObject({
    service: z
      .strictObject({ name: dnsLabel, namespace: dnsLabel.optional(), version: dnsLabel.optional() })
      .describe('The destination this policy applies to (a version narrows it to that subset).'),
    loadBalancer: loadBalancer.optional(),
    connectionPool: connectionPool.optional(),
    outlierDetection: outlierDetection.optional(),
    retryBudget: retryBudget.optional(),
  })
  .superRefine((spec, ctx) => {
    if (!spec.loadBalancer && !spec.connectionPool && !spec.outlierDetection && !spec.retryBudget) {
      ctx.addIssue({ code: 'custom', message: 'sets nothing; set loadBalancer, connectionPool, outlierDetection or retryBudget' });
    }
  });

export type LoadBalancerSpec = z.input<typeof loadBalancer>;
export type ConsistentHashSpec = z.input<typeof consistentHash>;
export type ConnectionPool = z.input<typeof connectionPool>;
export type OutlierDetection = z.input<typeof outlierDetection>;
export type TrafficPolicySpec = z.infer<typeof trafficPolicySpec>;
export type TrafficPolicySpecInput = z.input<typeof trafficPolicySpec>;
