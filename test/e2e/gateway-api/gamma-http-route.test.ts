import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../../lib/validation';
import type { LocalMesh } from '../../../runner';
import { call, ratingsClient, service, startMesh, type RatingsClient } from '../mesh/local-mesh-fixture';
import { gatewayApiObject } from './gateway-api-objects';
import { CONFORMANCE_RULES, conformanceCases } from './http-route-cases';

let mesh: LocalMesh;
let ratings: RatingsClient;
beforeAll(async () => {
  ({ mesh } = await startMesh((chart) => {
    for (const name of ['echo', 'echo-v2', 'echo-v3']) service(chart, name);
    service(chart, 'ratings', [], { ports: [{ port: 9080, protocol: 'http' }, { port: 9090, protocol: 'grpc' }] });
    service(chart, 'ratings-b', [], { ports: [{ port: 9080, protocol: 'http' }, { port: 9090, protocol: 'grpc' }] });
    gatewayApiObject(chart, 'HTTPRoute', 'echo', { parentRefs: [{ group: '', kind: 'Service', name: 'echo', port: 9080 }], rules: CONFORMANCE_RULES });
    // A second route on the same Service: its rules join the first route's by precedence.
    gatewayApiObject(chart, 'HTTPRoute', 'echo-extra', { parentRefs: [{ group: '', kind: 'Service', name: 'echo', port: 9080 }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/extra' } }], backendRefs: [{ name: 'echo-v3', port: 9080 }] }] });
    // Were it served, echo-v2's calls would go to echo-v3; its CORS filter is not something Meshform does.
    gatewayApiObject(chart, 'HTTPRoute', 'echo-v2', {
      parentRefs: [{ group: '', kind: 'Service', name: 'echo-v2', port: 9080 }],
      rules: [{ filters: [{ type: 'CORS', cors: { allowOrigins: ['https://shop.example.com'] } }], backendRefs: [{ name: 'echo-v3', port: 9080 }] }],
    });
    gatewayApiObject(chart, 'GRPCRoute', 'ratings', {
      parentRefs: [{ group: '', kind: 'Service', name: 'ratings', port: 9090 }],
      rules: [{ matches: [{ method: { service: 'meshform.demo.Ratings', method: 'GetRating' } }], backendRefs: [{ name: 'ratings-b', port: 9090 }] }],
    });
  }));
  ratings = ratingsClient(mesh, 'ratings', 9090);
}, 90_000);
afterAll(async () => {
  ratings?.close();
  await mesh?.stop();
});

describe('GAMMA: an HTTPRoute with a Service parent routes east-west traffic', () => {
  conformanceCases(() => ({
    send: (pathAndQuery, headers, method) => call(mesh, 'echo', pathAndQuery, headers, method),
    app: (svc) => mesh.of(svc)[0]!.app,
    // The request's port is the service port.
    redirectLocation: 'http://example.org:9080/moved',
  }));
});

describe('GAMMA: two HTTPRoutes on one Service', () => {
  it('serve the rules of both, the more specific match first', async () => {
    expect((await call(mesh, 'echo', '/extra/1')).servedBy).toBe('echo-v3-0');
    expect((await call(mesh, 'echo', '/exact')).servedBy).toBe('echo-v2-0');
    expect((await call(mesh, 'echo', '/other')).servedBy).toBe('echo-0');
  });
});

describe('GAMMA: a GRPCRoute with a Service parent', () => {
  it('sends the method it matches to the backend it names', async () => {
    const { error, reply } = await new Promise<{ error: grpc.ServiceError | null; reply?: { servedBy: string } }>((resolve) => ratings.getRating({ productId: '7' }, (e, r) => resolve({ error: e, reply: r })));
    expect(error).toBeNull();
    expect(reply?.servedBy).toBe('ratings-b-0');
  });
});

describe('a GAMMA route with a field Meshform does not support', () => {
  it('is not served, and the controller reports the field while the rest of the mesh serves', async () => {
    expect((await call(mesh, 'echo-v2', '/x')).servedBy).toBe('echo-v2-0');
    const debug = (await (await fetch(`http://${mesh.controllerAdmin}/debug/resources`)).json()) as { sourceProblems: { gatewayApi: Finding[] } };
    expect(debug.sourceProblems.gatewayApi).toEqual([expect.objectContaining({ code: 'GATEWAY_API_UNSUPPORTED', field: 'spec.rules[0].filters[0]', where: expect.stringMatching(/HTTPRoute shop\/echo-v2$/) })]);
  });
});
