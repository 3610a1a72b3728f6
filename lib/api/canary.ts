import { z } from 'zod';
import { dnsLabel, duration, int, percent } from './common';

export const canarySpec = z
  .strictObject({
    service: z.strictObject({ name: dnsLabel, namespace: dnsLabel.optional() }),
    route: dnsLabel.describe('The TrafficRoute whose weights the controller steps.'),
    stableVersion: dnsLabel,
    canaryVersion: dnsLabel,
    analysis: z.strictObject({
      interval: duration({ min: '1s', max: '24h' }).default('1m').describe('Time between checks and weight steps.'),
      stepWeight: int(1, 100).default(10),
      maxWeight: int(1, 100).default(50).describe('Weight at which the canary is promoted.'),
      threshold: int(1, 100).default(5).describe('Failed checks before rolling back.'),
      successRateMin: percent.default(99).describe('Lowest canary success rate (non-5xx share) a check accepts.'),
      latencyP99Max: duration({ min: '1ms', max: '1h' }).default('500ms').describe('Highest canary p99 latency a check accepts.'),
      minRequests: int(0, 1_000_000).default(10).describe('A check with fewer canary requests neither passes nor fails.'),
    }),
  })
  .superRefine((spec, ctx) => {
    if (spec.stableVersion === spec.canaryVersion) {
      ctx.addIssue({ code: 'custom', path: ['canaryVersion'], message: `is "${spec.canaryVersion}", the same as stableVersion; the canary must be another version` });
    }
    if (spec.analysis.stepWeight > spec.analysis.maxWeight) {
      ctx.addIssue({ code: 'custom', path: ['analysis', 'stepWeight'], message: `is ${spec.analysis.stepWeight}, above maxWeight ${spec.analysis.maxWeight}; lower it or raise maxWeight` });
    }
  });

export const canaryStatus = z.strictObject({
  phase: z.enum(['Initializing', 'Progressing', 'Promoting', 'Succeeded', 'RollingBack', 'Failed']),
  canaryWeight: int(0, 100),
  failedChecks: int(0, 1_000_000),
  lastCheck: z
    .strictObject({ time: z.string(), successRate: z.number().optional(), latencyP99Ms: z.number().optional(), passed: z.boolean(), message: z.string() })
    .optional(),
});

export type CanarySpec = z.infer<typeof canarySpec>;
export type CanarySpecInput = z.input<typeof canarySpec>;
export type CanaryStatus = z.infer<typeof canaryStatus>;
