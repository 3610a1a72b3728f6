import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Chart } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrictMtls } from '../../../constructs';
import { injectionConfig, injectSidecar, sidecarFor, type PodLike } from '../../../lib/injection';
import { buildBundles } from '../../../scripts/build-bundles';
import { service, synthesize } from '../mesh/local-mesh-fixture';
import { callFrom, captureScriptOf, meshOfChart, podBootstrapFile, registryEntry, startLocalController, until, writeToken } from './pod-fixture';
import { PodNetwork } from './pod-network';

/*
 * GIVEN the reviews pod exactly as injection writes it (its capture script run in its own network
 * namespace, its proxy running as the proxy UID with the injected bootstrap, its app listening on
 * 0.0.0.0:9080), and on the other side of a veth the controller and two sidecars of the cluster
 * (details, and web as a caller), all under STRICT mTLS.
 */
const CONTROLLER = `${PodNetwork.PREFIX}.1`;
const DETAILS = `${PodNetwork.PREFIX}.3`;
const WEB = `${PodNetwork.PREFIX}.4`;
const WEB_OUTBOUND = '127.0.0.4';
const PROXY_UID = 1337;

const reviewsPod: PodLike = {
  metadata: { name: 'reviews-0', labels: { app: 'reviews' } },
  spec: {
    serviceAccountName: 'reviews',
    containers: [{ name: 'reviews', image: 'reviews:1', ports: [{ containerPort: 9080, name: 'http' }], readinessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 5 } }],
  },
};

let network: PodNetwork | undefined;
let injected: PodLike;
let root: string;

const get = (ns: string, url: string, host?: string) => callFrom(ns, 'http', url, ...(host ? [host] : []));
const ready = (what: string, attempt: () => Promise<true | undefined>) => until(what, attempt, () => network?.logs() ?? '');

/** A sidecar outside the pod, bootstrapped as the local runner does (no capture: it binds its addresses). */
function nodeBootstrap(name: string, ip: string, outboundIp: string, tokenFile: string): string {
  const file = path.join(root, `${name}.bootstrap.json`);
  const bootstrap = {
    node: { id: `sidecar~${ip}~${name}-0.shop~shop.svc.cluster.local`, cluster: name, metadata: { NAMESPACE: 'shop', SERVICE_ACCOUNT: name, WORKLOAD: name, LABELS: { app: name }, INSTANCE_IP: ip, OUTBOUND_IP: outboundIp } },
    controller: { address: `${CONTROLLER}:15010`, initialBackoffMs: 50, maxBackoffMs: 500 },
    admin: { address: ip, port: 15000 },
    tokenPath: tokenFile,
  };
  fs.writeFileSync(file, JSON.stringify(bootstrap));
  return file;
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-pod-'));
  fs.chmodSync(root, 0o755);
  const manifests = path.join(root, 'manifests');
  let chart: Chart | undefined;
  synthesize(manifests, (c) => {
    chart = c;
    service(chart, 'reviews');
    service(chart, 'details');
    service(chart, 'web');
    new StrictMtls(chart, 'strict');
  });
  const tokens = { reviews: writeToken(root, 'reviews'), details: writeToken(root, 'details'), web: writeToken(root, 'web') };

  // The injected pod as the webhook patches it once the chart is applied, and its proxy's bootstrap as the downward API would write it.
  injected = injectSidecar(reviewsPod, sidecarFor(reviewsPod, { namespace: 'shop', mesh: meshOfChart(chart!) }, injectionConfig({ proxyImage: 'ghcr.io/meshform/proxy:test' })));
  const reviewsBootstrap = podBootstrapFile(root, injected, `${CONTROLLER}:15010`, tokens.reviews.file);

  network = PodNetwork.create([CONTROLLER, DETAILS, WEB]);
  const { pod, node } = network;
  // The images' single-file bundles, in the test's own folder: the proxy runs as its UID, which may
  // not read the checkout (a clone in a 0700 temporary folder, as CI makes).
  const image = await buildBundles(path.join(root, 'image'));
  const app = path.join(__dirname, 'pod-app.ts');
  // What the init container does, before anything else in the pod starts.
  network.run(pod, 'sh', ['-c', captureScriptOf(injected)]);
  // The pod's entry has no `app`: with capture the sidecar reaches its app on localhost at the target port.
  startLocalController(network, image, root, manifests, CONTROLLER, [
    registryEntry('reviews', PodNetwork.POD_IP, tokens.reviews),
    registryEntry('details', DETAILS, tokens.details, '127.0.0.3'),
    registryEntry('web', WEB, tokens.web, '127.0.0.5'),
  ]);
  network.start(node, process.execPath, ['--import', 'tsx', app, 'details', '127.0.0.3', '9080'], { name: 'details-app' });
  network.start(pod, process.execPath, ['--import', 'tsx', app, 'reviews', '0.0.0.0', '9080'], { name: 'reviews-app' });
  network.start(node, process.execPath, [image.proxy, '--bootstrap', nodeBootstrap('details', DETAILS, '127.0.0.13', tokens.details.file)], { name: 'details-proxy' });
  network.start(node, process.execPath, [image.proxy, '--bootstrap', nodeBootstrap('web', WEB, WEB_OUTBOUND, tokens.web.file)], { name: 'web-proxy' });
  network.start(pod, process.execPath, [image.proxy, '--bootstrap', reviewsBootstrap], { name: 'reviews-proxy', uid: PROXY_UID });

  await ready('the reviews sidecar ready on its health port', async () => ((await get(node, `http://${PodNetwork.POD_IP}:15020/ready`)).status === 200 ? true : undefined));
  await ready('details and web sidecars ready', async () => ((await get(node, `http://${DETAILS}:15000/ready`)).status === 200 && (await get(node, `http://${WEB}:15000/ready`)).status === 200 ? true : undefined));
  // Certificates arrive over SDS after the first listeners: wait until a call through the mesh goes all the way.
  await ready('a call from web to reviews through the mesh', async () => ((await get(node, `http://${WEB_OUTBOUND}:9080/whoami`, 'reviews.shop:9080')).status === 200 ? true : undefined));
}, 120_000);

afterAll(async () => {
  await network?.destroy();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('an injected pod carries traffic', () => {
  it('a mesh caller reaches the app through the inbound sidecar over mTLS, though the app listens on every address of the service port', async () => {
    const answer = await get(network!.node, `http://${WEB_OUTBOUND}:9080/whoami`, 'reviews.shop:9080');
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body!) as { name: string; caller: string };
    expect(body.name).toBe('reviews');
    // Only the inbound sidecar, having terminated web's mTLS, can have said who called.
    expect(body.caller).toContain('URI=spiffe://cluster.local/ns/shop/sa/web');
  });

  it('a plaintext client cannot go around the sidecar to the app under STRICT', async () => {
    const answer = await get(network!.node, `http://${PodNetwork.POD_IP}:9080/whoami`);
    expect(answer.status).toBeUndefined();
    expect(answer.error).toBeDefined();
  });

  it("the app's call to another service on its own port leaves through its sidecar with the pod's identity", async () => {
    const answer = await get(network!.pod, `http://${DETAILS}:9080/whoami`, 'details.shop:9080');
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body!) as { name: string; caller: string };
    expect(body.name).toBe('details');
    expect(body.caller).toContain('URI=spiffe://cluster.local/ns/shop/sa/reviews');
  });

  it("the kubelet's rewritten readiness probe reaches the app through the health port", async () => {
    const app = injected.spec.containers.find((c) => c.name === 'reviews')!;
    const probe = (app['readinessProbe'] as { httpGet: { path: string; port: number } }).httpGet;
    expect(probe).toEqual({ path: '/app-health/reviews/readyz', port: 15020, scheme: 'HTTP' });
    expect((await get(network!.node, `http://${PodNetwork.POD_IP}:${probe.port}${probe.path}`)).status).toBe(200);
  });

  it('keeps the admin port (config dump, drain) off the pod network; the health port serves none of it', async () => {
    expect((await get(network!.node, `http://${PodNetwork.POD_IP}:15000/config_dump`)).error).toBe('ECONNREFUSED');
    expect((await get(network!.node, `http://${PodNetwork.POD_IP}:15020/config_dump`)).status).toBe(404);
    // From inside the pod it is there.
    expect((await get(network!.pod, 'http://127.0.0.1:15000/config_dump')).status).toBe(200);
  });
});
