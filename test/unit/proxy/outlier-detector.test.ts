import { describe, expect, it } from 'vitest';
import { EndpointState } from '../../../proxy/cluster/endpoint-state';
import { recordOutcome } from '../../../proxy/cluster/outlier-detector';
import type { OutlierDetectionConfig } from '../../../proxy/config/cluster-config';

const config: OutlierDetectionConfig = {
  consecutive5xx: 5,
  enforce5xx: true,
  consecutiveGatewayFailure: 5,
  enforceGatewayFailure: false,
  baseEjectionTimeMs: 30_000,
  maxEjectionTimeMs: 300_000,
  maxEjectionPercent: 50,
};

const states = (count: number) => Array.from({ length: count }, (_, i) => new EndpointState({ host: 'h', port: i, address: `h:${i}`, weight: 1 }));
const fail = { kind: 'response', status: 500 } as const;
const ok = { kind: 'response', status: 200 } as const;

describe('outlier detection', () => {
  it('ejects an endpoint after 5 consecutive 5xx', () => {
    const all = states(2);
    const now = 1_000;
    for (let i = 0; i < 4; i++) expect(recordOutcome(config, all[0]!, all, fail, now)).toBe(false);
    expect(recordOutcome(config, all[0]!, all, fail, now)).toBe(true);
    expect(all[0]!.isEjected(now + 29_999)).toBe(true);
    expect(all[0]!.isEjected(now + 30_000)).toBe(false);
  });

  it('a success resets the consecutive count', () => {
    const all = states(2);
    for (let i = 0; i < 4; i++) recordOutcome(config, all[0]!, all, fail, 0);
    recordOutcome(config, all[0]!, all, ok, 0);
    expect(recordOutcome(config, all[0]!, all, fail, 0)).toBe(false);
  });

  it('ejects for longer each time', () => {
    const all = states(2);
    const eject = (now: number) => {
      for (let i = 0; i < 5; i++) recordOutcome(config, all[0]!, all, { kind: 'local-failure' }, now);
    };
    eject(0);
    expect(all[0]!.ejectedUntil).toBe(30_000);
    eject(40_000);
    expect(all[0]!.ejectedUntil).toBe(40_000 + 60_000);
  });

  it('never ejects more than max_ejection_percent, but always allows one', () => {
    const all = states(4);
    for (const state of all) for (let i = 0; i < 5; i++) recordOutcome(config, state, all, fail, 0);
    expect(all.filter((state) => state.isEjected(1)).length).toBe(2);
    const two = states(2);
    const strict = { ...config, maxEjectionPercent: 10 };
    for (const state of two) for (let i = 0; i < 5; i++) recordOutcome(strict, state, two, fail, 0);
    expect(two.filter((state) => state.isEjected(1)).length).toBe(1);
  });

  it('counts gateway failures but enforces them only when configured', () => {
    const all = states(2);
    const gatewayOnly = { ...config, enforce5xx: false, consecutiveGatewayFailure: 3 };
    for (let i = 0; i < 3; i++) recordOutcome(gatewayOnly, all[0]!, all, { kind: 'response', status: 503 }, 0);
    expect(all[0]!.isEjected(1)).toBe(false);
    const enforced = { ...gatewayOnly, enforceGatewayFailure: true };
    expect(recordOutcome(enforced, all[1]!, all, { kind: 'response', status: 502 }, 0)).toBe(false);
    recordOutcome(enforced, all[1]!, all, { kind: 'response', status: 504 }, 0);
    expect(recordOutcome(enforced, all[1]!, all, { kind: 'local-failure' }, 0)).toBe(true);
  });
});
