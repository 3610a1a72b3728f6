import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ratingsPackage } from '../../../examples/demo-services';
import type { LocalMesh } from '../../../runner';
import { service, startMesh } from './local-mesh-fixture';

let mesh: LocalMesh;
let client: grpc.Client & { getRating: (req: { productId: string }, cb: (err: grpc.ServiceError | null, reply: { productId: string; stars: number; servedBy: string }) => void) => void };

beforeAll(async () => {
  ({ mesh } = await startMesh((chart) => {
    service(chart, 'ratings', [], { ports: [{ port: 9080, protocol: 'http' }, { port: 9090, protocol: 'grpc' }] });
  }));
  const { url, host } = mesh.entry('ratings', 9090);
  const Ratings = ((ratingsPackage().meshform as grpc.GrpcObject).demo as grpc.GrpcObject).Ratings as grpc.ServiceClientConstructor;
  client = new Ratings(url.replace('http://', ''), grpc.credentials.createInsecure(), { 'grpc.default_authority': host }) as unknown as typeof client;
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
});
