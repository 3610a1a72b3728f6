import { describe, expect, it } from 'vitest';
import type { CanaryStatus, MeshResource } from '../../../lib/api';
import { parseResource } from '../../../lib/validation';
import type { WorkloadInstance } from '../../../lib/translate';
import { CanaryDriver } from '../../../controller/canary';
import { fullResources } from '../../fixtures/full-resources';

/** The canary's sidecar exposition after `ok` good and `bad` failed requests, all fast. */
const exposition = (ok: number, bad: number) =>
  [
    `meshform_requests_total{direction="inbound",destination_service="reviews",route="default",response_code="200"} ${ok}`,
    `meshform_requests_total{direction="inbound",destination_service="reviews",route="default",response_code="503"} ${bad}`,
    `meshform_request_duration_seconds_bucket{direction="inbound",destination_service="reviews",route="default",response_code="200",le="0.05"} ${ok + bad}`,
    `meshform_request_duration_seconds_bucket{direction="inbound",destination_service="reviews",route="default",response_code="200",le="+Inf"} ${ok + bad}`,
  ].join('\n');

function harness(failing: boolean, options: { leading?: () => boolean; written?: CanaryStatus } = {}) {
  const f = fullResources();
  const canary = structuredClone(f.Canary) as any;
  canary.spec.analysis = { interval: '10s', stepWeight: 25, maxWeight: 50, threshold: 2, successRateMin: 99, latencyP99Max: '500ms', minRequests: 10 };
  // What the leader wrote on the Canary's status subresource, as an informer shows it.
  if (options.written) canary.status = { ...options.written, conditions: [] };
  const resources = [f.Mesh, f.MeshService, f.ExternalService, f.TrafficRoute, canary].map((o) => parseResource(o));
  const workloads: WorkloadInstance[] = [
    { name: 'reviews-v1', namespace: 'shop', address: '127.0.0.1', labels: { app: 'reviews', version: 'v1' } },
    { name: 'reviews-v2', namespace: 'shop', address: '127.0.0.2', labels: { app: 'reviews', version: 'v2' } },
  ];
  let clock = 0;
  let served = 0;
  const scraped: string[] = [];
  const routes: MeshResource<'TrafficRoute'>[] = [];
  const statuses: CanaryStatus[] = [];
  const driver = new CanaryDriver(
    { resources: () => resources, workloads: () => workloads, overrideRoute: (_ns, _name, r) => r && routes.push(r), publish: (_k, s) => statuses.push(s), ...(options.leading ? { isLeader: options.leading } : {}) },
    {
      now: () => clock,
      scrape: async (address) => {
        scraped.push(address);
        return exposition(failing ? served / 2 : served, failing ? served / 2 : 0);
      },
    },
  );
  const step = async () => {
    served += 100;
    clock += 10_000;
    await driver.tick();
  };
  const canaryWeight = () => routes.at(-1)!.spec.rules[0]!.backends.find((b) => b.version === 'v2')!.weight;
  return { driver, step, scraped, statuses, canaryWeight };
}

describe('the canary driver', () => {
  it("reads only the canary version's sidecars, steps a healthy canary and promotes it", async () => {
    const h = harness(false);
    await h.driver.tick();
    expect(h.canaryWeight()).toBe(25);
    await h.step();
    expect(h.canaryWeight()).toBe(50);
    await h.step();
    expect(h.canaryWeight()).toBe(100);
    expect(h.statuses.at(-1)!.phase).toBe('Succeeded');
    expect(new Set(h.scraped)).toEqual(new Set(['127.0.0.2:15020']));
  });

  it('keeps the history of a rollout: its start, each step and the promotion, newest last', async () => {
    const h = harness(false);
    await h.driver.tick();
    await h.step();
    await h.step();
    await h.step();
    expect(h.driver.history('shop/reviews').map((e) => [e.kind, e.weight])).toEqual([
      ['start', 25],
      ['step', 50],
      ['promote', 100],
    ]);
  });

  it('keeps the failed checks and the rollback of a failing canary in its history', async () => {
    const h = harness(true);
    await h.driver.tick();
    await h.step();
    await h.step();
    expect(h.driver.history('shop/reviews').map((e) => e.kind)).toEqual(['start', 'check-failed', 'check-failed', 'rollback']);
    expect(h.driver.history('shop/reviews')[1]!.message).toContain('below 99%');
  });

  it('rolls a failing canary back after threshold failed checks', async () => {
    const h = harness(true);
    await h.driver.tick();
    await h.step();
    expect(h.statuses.at(-1)).toMatchObject({ phase: 'Progressing', failedChecks: 1, canaryWeight: 25 });
    await h.step();
    expect(h.statuses.at(-1)).toMatchObject({ phase: 'Failed', failedChecks: 2, canaryWeight: 0 });
    expect(h.canaryWeight()).toBe(0);
    expect(h.statuses.at(-1)!.lastCheck!.message).toContain('below 99%');
  });

  it("a replica that does not lead serves the weight the leader wrote on the Canary and reads no metrics", async () => {
    // 50 is a weight this replica would only reach by its own checks (it starts at 25).
    const written: CanaryStatus = { phase: 'Progressing', canaryWeight: 50, failedChecks: 0 };
    const h = harness(false, { leading: () => false, written });
    await h.driver.tick();
    await h.step();
    await h.step();
    expect(h.canaryWeight()).toBe(50);
    expect(h.scraped).toEqual([]);
    expect(h.statuses.at(-1)).toEqual(written);
  });

  it('a replica that becomes leader resumes from the written status and judges only after a whole interval of its own', async () => {
    let leading = false;
    const h = harness(false, { leading: () => leading, written: { phase: 'Progressing', canaryWeight: 50, failedChecks: 0 } });
    await h.driver.tick();
    leading = true;
    // First tick as leader: takes its baseline, keeps the weight.
    await h.step();
    expect(h.canaryWeight()).toBe(50);
    expect(h.scraped).toHaveLength(1);
    // An interval later it judges and goes on from 50 (a pass at maxWeight promotes), not from the start.
    await h.step();
    expect(h.canaryWeight()).toBe(100);
    expect(h.statuses.at(-1)!.phase).toBe('Succeeded');
  });

  it('builds its model of the mesh again only when the state version moves', async () => {
    const f = fullResources();
    const resources = [f.Mesh, f.MeshService, f.ExternalService, f.TrafficRoute, f.Canary].map((o) => parseResource(o));
    let reads = 0;
    let version = 1;
    const driver = new CanaryDriver(
      { resources: () => (reads++, resources), workloads: () => [], overrideRoute: () => undefined, publish: () => undefined, version: () => version },
      { scrape: async () => '' },
    );
    await driver.tick();
    await driver.tick();
    expect(reads).toBe(1);
    version += 1;
    await driver.tick();
    expect(reads).toBe(2);
  });
});
