import * as http from 'node:http';
import { afterAll, beforeAll, describe } from 'vitest';
import type { LocalMesh } from '../../../runner';
import { service, startMesh } from '../mesh/local-mesh-fixture';
import { gatewayApiObject } from './gateway-api-objects';
import { CONFORMANCE_RULES, conformanceCases, type RouteTarget } from './http-route-cases';

const HOST = 'echo.example.com';

let mesh: LocalMesh;
beforeAll(async () => {
  ({ mesh } = await startMesh((chart) => {
    for (const name of ['echo', 'echo-v2', 'echo-v3']) service(chart, name);
    // Only Gateway API objects: meshform up starts the gateway the Gateway becomes.
    gatewayApiObject(chart, 'Gateway', 'public', { gatewayClassName: 'meshform', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] });
    gatewayApiObject(chart, 'HTTPRoute', 'echo', { parentRefs: [{ name: 'public', sectionName: 'http' }], hostnames: [HOST], rules: CONFORMANCE_RULES });
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
