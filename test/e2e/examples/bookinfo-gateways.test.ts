import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOKINFO_HOST } from '../../../examples';
import type { LocalMesh } from '../../../runner';
import { buildPlatform, environmentNamed } from '../../../stacks';
import { startMesh } from '../mesh/local-mesh-fixture';

const run = promisify(execFile);
let mesh: LocalMesh;

// The example as `npm start` runs it: the dev platform, its bookinfo gateways and a demo certificate for bookinfo-tls.
beforeAll(async () => {
  ({ mesh } = await startMesh(buildPlatform(environmentNamed('dev'))));
}, 120_000);
afterAll(async () => {
  await mesh?.stop();
});

/** curl from outside the mesh to the ingress gateway's listener, by its host name: status, Location and body. */
async function curl(scheme: 'http' | 'https', listenerPort: number, pathAndQuery: string, headers: Record<string, string> = {}): Promise<{ status: number; location: string; body: string }> {
  const { address, port } = mesh.gatewayAddress('bookinfo-gateway', listenerPort, 'bookinfo');
  const args = ['-sS', '--resolve', `${BOOKINFO_HOST}:${port}:${address}`, '-w', '\n%{http_code} %{redirect_url}', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`])];
  const { stdout } = await run('curl', [...args, ...(scheme === 'https' ? ['--cacert', mesh.demoCaFile] : []), `${scheme}://${BOOKINFO_HOST}:${port}${pathAndQuery}`]);
  const cut = stdout.lastIndexOf('\n');
  const [status, location = ''] = stdout.slice(cut + 1).split(' ');
  return { status: Number(status), location, body: stdout.slice(0, cut) };
}

describe('the bookinfo example through its ingress gateway', () => {
  it('serves productpage over HTTPS for bookinfo.example.test with a certificate curl verifies for that name', async () => {
    const answer = await curl('https', 443, '/productpage/1');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).servedBy.service).toBe('productpage');
  });

  it('redirects plain HTTP to the same URL over HTTPS', async () => {
    // Locally the HTTPS listener (443) is bound at 10443, and the redirect says so, so it can be followed.
    expect(await curl('http', 80, '/productpage/1?u=normal')).toMatchObject({ status: 301, location: `https://${BOOKINFO_HOST}:${mesh.gatewayAddress('bookinfo-gateway', 443).port}/productpage/1?u=normal` });
  });

  it('refuses a bad token at the edge (401) and keeps the products API for token holders (403 without one)', async () => {
    expect((await curl('https', 443, '/', { authorization: 'Bearer not.a.jwt' })).status).toBe(401);
    expect((await curl('https', 443, '/api/v1/products/1')).status).toBe(403);
  });
});
