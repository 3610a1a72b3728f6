import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backend, Retry, TrafficRoute } from '../../../constructs';
import type { LocalMesh } from '../../../runner';
import { metric, ratingsClient, service, startMesh, type RatingsClient } from './local-mesh-fixture';

let mesh: LocalMesh;
let client: RatingsClient;

beforeAll(async () => {
  ({ mesh } = await startMesh((chart) => {
    service(chart, 'ratings', [], { ports: [{ port: 9080, protocol: 'http' }, { port: 9090, protocol: 'grpc' }] });
    const flaky = service(chart, 'flaky-ratings', [], { ports: [{ port: 9090, protocol: 'grpc' }] });
    new TrafficRoute(chart, 'flaky-ratings-route', { service: flaky, rules: [{ name: 'all', backends: [Backend.service(flaky)], retry: Retry.on('unavailable').attempts(3) }] });
  }));
  client = ratingsClient(mesh, 'ratings', 9090);
}, 90_000);
afterAll(async () => {
  client?.close();
  await mesh?.stop();
});

const getRating = () =>
  new Promise<{ error: grpc.ServiceError | null; reply?: { servedBy: string; stars: number } }>((resolve) => client.getRating({ productId: '7' }, (error, reply) => resolve({ error, reply })));

describe('gRPC through the mesh', () => {
  it('carries a unary gRPC call from the ingress sidecar to the ratings gRPC server', async () => {
    const { error, reply } = await getRating();
    expect(error).toBeNull();
    expect(reply).toMatchObject({ servedBy: 'ratings-0', stars: 5 });
  });

  it("relays the server's gRPC status and message to the caller", async () => {
    const app = mesh.of('ratings')[0]!.app;
    app.setKnobs({ failNext: 1 });
    const failed = await getRating();
    expect(failed.error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(failed.error?.details).toBe('injected failure at ratings-0');
    expect((await getRating()).error).toBeNull();
  });

  it('retries UNAVAILABLE as its TrafficRoute says: two failures, the third attempt answers', async () => {
    const flaky = ratingsClient(mesh, 'flaky-ratings', 9090);
    try {
      mesh.of('flaky-ratings')[0]!.app.setKnobs({ failNext: 2 });
      const { error, reply } = await new Promise<{ error: grpc.ServiceError | null; reply?: { servedBy: string } }>((resolve) => flaky.getRating({ productId: '7' }, (e, r) => resolve({ error: e, reply: r })));
      expect(error).toBeNull();
      expect(reply?.servedBy).toBe('flaky-ratings-0');
      expect(await metric(mesh.ingress.adminAddress, 'meshform_upstream_retries_total', { cluster: 'outbound|9090||flaky-ratings.shop.svc.cluster.local' })).toBe(2);
    } finally {
      flaky.close();
    }
  });
});
