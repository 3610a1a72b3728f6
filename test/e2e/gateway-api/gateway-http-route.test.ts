import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalMesh } from '../../../runner';
import * as grpc from '@grpc/grpc-js';
import { ratingsClientAt, service, startMesh } from '../mesh/local-mesh-fixture';
import { gatewayApiObject } from './gateway-api-objects';
import { CONFORMANCE_RULES, conformanceCases, type RouteTarget } from './http-route-cases';

const HOST = 'echo.example.com';
const GRPC_HOST = 'ratings.example.com';

let mesh: LocalMesh;
beforeAll(async () => {
  ({ mesh } = await startMesh((chart) => {
    for (const name of ['echo', 'echo-v2', 'echo-v3']) service(chart, name);
    service(chart, 'ratings', [], { ports: [{ port: 9080, protocol: 'http' }, { port: 9090, protocol: 'grpc' }] });
    // Only Gateway API objects: meshform up starts the gateway the Gateway becomes.
    gatewayApiObject(chart, 'Gateway', 'public', {
      gatewayClassName: 'meshform',
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP' },
        // No such Secret in the manifests: meshform up makes one from its demo CA.
        { name: 'https', port: 443, protocol: 'HTTPS', hostname: HOST, tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'echo-tls' }] } },
      ],
    });
    gatewayApiObject(chart, 'HTTPRoute', 'echo', { parentRefs: [{ name: 'public', sectionName: 'http' }], hostnames: [HOST], rules: CONFORMANCE_RULES });
    gatewayApiObject(chart, 'GRPCRoute', 'ratings', { parentRefs: [{ name: 'public', sectionName: 'http' }], hostnames: [GRPC_HOST], rules: [{ matches: [{ method: { service: 'meshform.demo.Ratings', method: 'GetRating' } }], backendRefs: [{ name: 'ratings', port: 9090 }] }] });
    gatewayApiObject(chart, 'HTTPRoute', 'echo-secure', { parentRefs: [{ name: 'public', sectionName: 'https' }], hostnames: [HOST], rules: [{ backendRefs: [{ name: 'echo-v2', port: 9080 }] }] });
  }));
}, 120_000);
afterAll(() => mesh?.stop());

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** A request to the gateway as a client outside the mesh sends it. */
const viaGateway: RouteTarget['send'] = (pathAndQuery, headers = {}, method = 'GET') => {
  const { address, port } = mesh.gatewayAddress('public', 80);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: address, port, path: pathAndQuery, method, agent, headers: { host: HOST, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => resolve({ status: res.statusCode!, servedBy: res.headers['x-served-by'] as string | undefined, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.once('error', reject);
    req.end();
  });
};

describe('an HTTPRoute attached to a Gateway routes traffic entering through the gateway', () => {
  conformanceCases(() => ({
    send: viaGateway,
    app: (svc) => mesh.of(svc)[0]!.app,
    // The request named no port: the redirect names none either.
    redirectLocation: 'http://example.org/moved',
  }));
});

describe('an HTTPS listener of a Gateway', () => {
  it('terminates TLS with the certificate its certificateRefs name, chosen by SNI, and routes by the route attached to it', async () => {
    const { address, port } = mesh.gatewayAddress('public', 443);
    const answer = await new Promise<{ status: number; servedBy: string | undefined; subject: string }>((resolve, reject) => {
      const req = https.request({ host: address, port, path: '/', servername: HOST, ca: fs.readFileSync(mesh.demoCaFile), headers: { host: HOST }, agent: false }, (res) => {
        const subject = (res.socket as TLSSocket).getPeerCertificate().subject.CN as string;
        res.resume();
        res.once('end', () => resolve({ status: res.statusCode!, servedBy: res.headers['x-served-by'] as string | undefined, subject }));
      });
      req.once('error', reject);
      req.end();
    });
    expect(answer).toEqual({ status: 200, servedBy: 'echo-v2-0', subject: HOST });
  });
});

describe('a GRPCRoute attached to a Gateway', () => {
  it('sends the gRPC method it matches through the gateway to the gRPC backend', async () => {
    const { address, port } = mesh.gatewayAddress('public', 80);
    const client = ratingsClientAt(`${address}:${port}`, GRPC_HOST);
    try {
      const { error, reply } = await new Promise<{ error: grpc.ServiceError | null; reply?: { servedBy: string } }>((resolve) => client.getRating({ productId: '7' }, (e, r) => resolve({ error: e, reply: r })));
      expect(error).toBeNull();
      expect(reply?.servedBy).toBe('ratings-0');
    } finally {
      client.close();
    }
  });
});
