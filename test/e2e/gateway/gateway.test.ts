import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { ApiObject, type Chart } from 'cdk8s';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mesh, OutboundPolicy } from '../../../constructs';
import type { LocalMesh } from '../../../runner';
import { waitFor } from '../../support/wait';
import { service, startMesh } from '../mesh/local-mesh-fixture';

const ISSUER = 'https://issuer.test';
const PARTNER = 'partner.test';

let mesh: LocalMesh;
let manifests: string;
let signer: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let partner: https.Server;
const partnerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-partner-'));

/** A CA of its own and a certificate for `host` signed by it, with the openssl CLI. */
function partnerCertificate(host: string): { ca: string; cert: string; key: string } {
  const file = (name: string) => path.join(partnerDir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.crt'), '-subj', '/CN=partner test CA', '-days', '1', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file('leaf.key'), '-out', file('leaf.csr'), '-subj', `/CN=${host}`);
  fs.writeFileSync(file('leaf.ext'), `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\n`);
  openssl('x509', '-req', '-in', file('leaf.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', file('leaf.ext'), '-out', file('leaf.crt'));
  return { ca: fs.readFileSync(file('ca.crt'), 'utf8'), cert: fs.readFileSync(file('leaf.crt'), 'utf8'), key: fs.readFileSync(file('leaf.key'), 'utf8') };
}

const meshObject = (chart: Chart, kind: string, name: string, spec: unknown) => new ApiObject(chart, `${kind}-${name}`, { apiVersion: 'meshform.dev/v1alpha1', kind, metadata: { name }, spec } as never);

beforeAll(async () => {
  const keys = await generateKeyPair('RS256');
  signer = keys.privateKey;
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'test', alg: 'RS256', use: 'sig' };
  const upstream = partnerCertificate(PARTNER);
  partner = https.createServer({ cert: upstream.cert, key: upstream.key }, (req, res) => res.end(JSON.stringify({ partner: true, host: req.headers.host, path: req.url })));
  await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
  const partnerPort = (partner.address() as { port: number }).port;

  ({ mesh, manifests } = await startMesh((chart) => {
    new Mesh(chart, 'mesh', { outboundPolicy: OutboundPolicy.REGISTRY_ONLY });
    service(chart, 'productpage', ['v1', 'v2']);
    service(chart, 'reviews');
    meshObject(chart, 'MeshGateway', 'edge', {
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP' },
        { name: 'shop', port: 443, protocol: 'HTTPS', hostname: 'shop.example.com', tls: { certificates: [{ secretName: 'shop-tls' }] } },
        { name: 'admin', port: 443, protocol: 'HTTPS', hostname: 'admin.example.com', tls: { certificates: [{ secretName: 'admin-tls' }] } },
      ],
    });
    meshObject(chart, 'GatewayRoute', 'to-https', { parentRefs: [{ name: 'edge', sectionName: 'http' }], rules: [{ redirect: { scheme: 'https', statusCode: 301 } }] });
    meshObject(chart, 'GatewayRoute', 'shop', {
      parentRefs: [{ name: 'edge', sectionName: 'shop' }],
      hostnames: ['shop.example.com'],
      rules: [
        { matches: [{ path: { type: 'Prefix', value: '/v2' } }], backends: [{ name: 'productpage', version: 'v2' }] },
        { name: 'limited', matches: [{ path: { type: 'Prefix', value: '/limited' } }], backends: [{ name: 'productpage', version: 'v1' }] },
        { matches: [{ path: { type: 'Prefix', value: '/' } }], backends: [{ name: 'productpage', version: 'v1' }] },
      ],
    });
    meshObject(chart, 'GatewayRoute', 'admin', { parentRefs: [{ name: 'edge', sectionName: 'admin' }], hostnames: ['admin.example.com'], rules: [{ backends: [{ name: 'reviews' }] }] });
    // Tokens are checked when sent; reviews' paths (only the admin host routes there) demand one.
    meshObject(chart, 'JwtPolicy', 'edge', { targetRef: { kind: 'MeshGateway', name: 'edge' }, required: false, rules: [{ issuer: ISSUER, jwks: JSON.stringify({ keys: [jwk] }), audiences: ['shop'] }] });
    meshObject(chart, 'RateLimit', 'edge-limited', { targetRef: { kind: 'MeshGateway', name: 'edge' }, route: 'limited', local: { tokens: 2, fillInterval: '1h' } });
    meshObject(chart, 'AccessPolicy', 'edge-admin', { targetRef: { kind: 'MeshGateway', name: 'edge' }, action: 'DENY', rules: [{ from: [{ notRequestPrincipals: ['*'] }], to: [{ paths: ['/reviews/*'] }] }] });

    meshObject(chart, 'MeshGateway', 'egress', { role: 'Egress', listeners: [{ name: 'mesh', port: 15443, protocol: 'HTTP' }] });
    meshObject(chart, 'ExternalService', 'partner', {
      hosts: [PARTNER],
      ports: [{ port: 8443, protocol: 'https' }],
      resolution: 'STATIC',
      endpoints: [{ address: '127.0.0.1', port: partnerPort }],
      tls: { mode: 'ORIGINATE', caCertificates: upstream.ca },
      egressGateway: { name: 'egress' },
    });
    meshObject(chart, 'AccessPolicy', 'who-may-leave', { targetRef: { kind: 'MeshGateway', name: 'egress' }, action: 'ALLOW', rules: [{ from: [{ serviceAccounts: ['productpage'] }] }] });
  }));
}, 120_000);
afterAll(async () => {
  await mesh?.stop();
  await new Promise((resolve) => partner?.close(resolve));
  fs.rmSync(partnerDir, { recursive: true, force: true });
});

/** The certificate the gateway's HTTPS port serves for a server name, and whether it chains to the demo CA. */
function servedCertificate(serverName: string): Promise<{ subject: string; authorized: boolean }> {
  const { address, port } = mesh.gatewayAddress('edge', 443);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: address, port, servername: serverName, ca: fs.readFileSync(mesh.demoCaFile) }, () => {
      resolve({ subject: socket.getPeerCertificate().subject.CN as string, authorized: socket.authorized });
      socket.end();
    });
    socket.once('error', reject);
  });
}

/** A request to the edge gateway as a client outside the mesh sends it: real TLS with SNI for HTTPS. */
function viaGateway(host: string, pathAndQuery: string, options: { port?: number; headers?: Record<string, string> } = {}): Promise<{ status: number; servedBy?: string; location?: string }> {
  const listenerPort = options.port ?? 443;
  const { address, port } = mesh.gatewayAddress('edge', listenerPort);
  const secure = listenerPort === 443;
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      { host: address, port, path: pathAndQuery, headers: { host: `${host}:${port}`, ...options.headers }, agent: false, ...(secure ? { servername: host, ca: fs.readFileSync(mesh.demoCaFile) } : {}) },
      (res) => {
        res.resume();
        res.once('end', () => resolve({ status: res.statusCode!, ...(res.headers['x-served-by'] ? { servedBy: String(res.headers['x-served-by']) } : {}), ...(res.headers.location ? { location: res.headers.location } : {}) }));
      },
    );
    req.once('error', reject);
    req.end();
  });
}

/** A call an application makes through its own sidecar's outbound listener (local mode: the app calls its outbound address). */
function fromSidecarOf(svc: string, host: string, port: number): Promise<{ status: number; body: string }> {
  const caller = mesh.of(svc)[0]!;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: caller.outboundIp, port, path: '/quote', headers: { host: `${host}:${port}` }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.once('error', reject);
    req.end();
  });
}

const token = (audience = 'shop') => new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'test' }).setIssuer(ISSUER).setAudience(audience).setSubject('alice').setIssuedAt().setExpirationTime('5m').sign(signer);

describe('an ingress gateway on a local mesh', () => {
  it('serves the certificate the client names by SNI, each signed by the demo CA', async () => {
    expect(await servedCertificate('shop.example.com')).toEqual({ subject: 'shop.example.com', authorized: true });
    expect(await servedCertificate('admin.example.com')).toEqual({ subject: 'admin.example.com', authorized: true });
  });

  it('routes by host and path to the version the rule names', async () => {
    expect((await viaGateway('shop.example.com', '/v2/productpage')).servedBy).toBe('productpage-v2-0');
    expect((await viaGateway('shop.example.com', '/productpage')).servedBy).toBe('productpage-v1-0');
    expect((await viaGateway('admin.example.com', '/reviews/1', { headers: { authorization: `Bearer ${await token()}` } })).servedBy).toBe('reviews-0');
  });

  it('redirects plain HTTP to HTTPS, at the port its HTTPS listener is bound (443 locally at 10443)', async () => {
    const answer = await viaGateway('shop.example.com', '/productpage?x=1', { port: 80 });
    expect(answer.status).toBe(301);
    expect(answer.location).toBe(`https://shop.example.com:${mesh.gatewayAddress('edge', 443).port}/productpage?x=1`);
  });

  it('refuses a bad token with 401, no token on the protected paths with 403, and lets a good token through', async () => {
    expect((await viaGateway('admin.example.com', '/reviews/1', { headers: { authorization: `Bearer ${await token('other')}` } })).status).toBe(401);
    expect((await viaGateway('admin.example.com', '/reviews/1')).status).toBe(403);
    expect((await viaGateway('admin.example.com', '/reviews/1', { headers: { authorization: `Bearer ${await token()}` } })).status).toBe(200);
    expect((await viaGateway('shop.example.com', '/productpage')).status).toBe(200);
  });

  it('limits the rule a RateLimit names with its own bucket, and no other', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await viaGateway('shop.example.com', '/limited/page')).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect((await viaGateway('shop.example.com', '/productpage')).status).toBe(200);
  });
});

describe('an egress gateway on a local mesh', () => {
  it('takes a sidecar\'s call to an ExternalService out through the gateway, which originates TLS to the upstream', async () => {
    const answer = await fromSidecarOf('productpage', PARTNER, 8443);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ partner: true, path: '/quote' });
    const egress = mesh.gateways.find((g) => g.gateway === 'egress')!;
    const stats = await (await fetch(`http://${egress.adminAddress}/stats/prometheus`)).text();
    expect(stats).toMatch(/cluster="outbound\|8443\|\|partner\.test"/);
  });

  it('refuses a workload the egress AccessPolicy does not let out', async () => {
    expect((await fromSidecarOf('reviews', PARTNER, 8443)).status).toBe(403);
  });

  it('refuses a direct call from a sidecar to a host not in the registry under REGISTRY_ONLY', async () => {
    const answer = await fromSidecarOf('productpage', 'unregistered.test', 8443);
    expect(answer.status).toBe(502);
    expect(answer.body).toContain('REGISTRY_ONLY');
  });
});

describe('bad gateway configuration', () => {
  it('is reported on the resources, and the gateway keeps serving what was good', async () => {
    fs.writeFileSync(
      path.join(manifests, 'bad.yaml'),
      [
        'apiVersion: meshform.dev/v1alpha1\nkind: MeshGateway\nmetadata: { name: edge, namespace: shop }\nspec:\n  listeners:\n' +
          '    - { name: http, port: 80, protocol: HTTP }\n' +
          '    - { name: shop, port: 443, protocol: HTTPS, hostname: shop.example.com, tls: { certificates: [{ secretName: shop-tls }] } }\n' +
          '    - { name: admin, port: 443, protocol: HTTPS, hostname: admin.example.com, tls: { certificates: [{ secretName: missing-tls }] } }\n',
        'apiVersion: meshform.dev/v1alpha1\nkind: GatewayRoute\nmetadata: { name: ghost, namespace: shop }\nspec:\n  parentRefs: [{ name: edge, sectionName: shop }]\n  hostnames: [shop.example.com]\n  rules: [{ matches: [{ path: { type: Prefix, value: /ghost } }], backends: [{ name: ghost }] }]\n',
      ].join('---\n'),
    );
    type Status = { kind: string; name: string; accepted: boolean; reason: string };
    const statuses = async () => ((await (await fetch(`http://${mesh.controllerAdmin}/debug/resources`)).json()) as { resources: Status[] }).resources;
    await waitFor('the findings of the bad gateway and route', async () => {
      const all = await statuses();
      return all.some((s) => s.kind === 'MeshGateway' && s.name === 'edge' && s.reason === 'MISSING_SECRET') && all.some((s) => s.kind === 'GatewayRoute' && s.name === 'ghost' && s.reason === 'UNKNOWN_SERVICE');
    }, 20_000);
    expect(await servedCertificate('shop.example.com')).toEqual({ subject: 'shop.example.com', authorized: true });
    expect((await viaGateway('shop.example.com', '/v2/productpage')).servedBy).toBe('productpage-v2-0');
    const gateway = mesh.gateways.find((g) => g.gateway === 'edge')!;
    const dump = (await (await fetch(`http://${gateway.adminAddress}/config_dump`)).json()) as Record<string, unknown>;
    expect(JSON.stringify(dump)).not.toContain('missing-tls');
  });
});
