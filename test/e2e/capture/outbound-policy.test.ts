import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Chart } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExternalService, Mesh, SidecarInjection, Workload, type OutboundPolicy } from '../../../constructs';
import { createServingCertificate } from '../../../controller/webhooks';
import type { PodLike } from '../../../lib/injection';
import { buildBundles } from '../../../scripts/build-bundles';
import type { ManagedProcess } from '../../support/processes';
import { service, synthesize } from '../mesh/local-mesh-fixture';
import { callFrom, captureScriptOf, podBootstrapFile, registryEntry, startLocalController, until, writeToken } from './pod-fixture';
import { PodNetwork } from './pod-network';

/*
 * GIVEN the reviews pod as static injection writes it with nothing but a proxy image (the mesh:
 * reviews on 9080 and an ExternalService on 443, so 443 is captured), its capture script run in its
 * own network namespace and its proxy running as the proxy UID; on the node side of the veth the
 * controller, a TCP server on a port no mesh service uses, and a stand-in for the API server.
 *
 * The API server as a pod sees it: the kubelet puts the `kubernetes` Service's ClusterIP and port
 * (443) in KUBERNETES_SERVICE_HOST/PORT of every container, in-cluster clients dial exactly that,
 * and the node's kube-proxy forwards it to the real API server once the packet has left the pod.
 * So the stand-in is an HTTPS server at an address outside the pod on 443, with a certificate for
 * that address and `kubernetes.default.svc`, and the init script gets those two variables.
 */
const CONTROLLER = `${PodNetwork.PREFIX}.1`;
const OUTSIDE = `${PodNetwork.PREFIX}.7`;
const OUTSIDE_PORT = '7000';
const API_SERVER = `${PodNetwork.PREFIX}.9`;
const PAYMENTS = `${PodNetwork.PREFIX}.8`;
const PROXY_UID = 1337;

let image: { controller: string; proxy: string };
let imageRoot: string;

beforeAll(async () => {
  imageRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-image-'));
  fs.chmodSync(imageRoot, 0o755);
  // The images' single-file bundles, readable by the proxy's UID (the checkout may not be).
  image = await buildBundles(path.join(imageRoot, 'image'));
}, 120_000);

afterAll(() => {
  if (imageRoot) fs.rmSync(imageRoot, { recursive: true, force: true });
});

interface InjectedPod {
  readonly network: PodNetwork;
  readonly proxy: ManagedProcess;
  readonly apiServerCa: string;
  readonly root: string;
}

/** The pod and its surroundings in a mesh whose Mesh says `policy`. */
async function startPod(policy: OutboundPolicy): Promise<InjectedPod> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-outbound-'));
  fs.chmodSync(root, 0o755);
  let network: PodNetwork | undefined;
  try {
    const manifests = path.join(root, 'manifests');
    let chart: Chart | undefined;
    synthesize(manifests, (c) => {
      chart = c;
      new Mesh(c, 'mesh', { outboundPolicy: policy });
      new SidecarInjection(c, 'Sidecars', { proxyImage: 'ghcr.io/meshform/proxy:test' });
      service(c, 'reviews', [], { workload: Workload.image('reviews:1') });
      new ExternalService(c, 'payments', { namespace: 'shop', hosts: ['api.payments.example'], resolution: 'STATIC', endpoints: [{ address: PAYMENTS }] });
    });
    const template = chart!.toJson().find((o) => (o as { kind?: string }).kind === 'Deployment').spec.template as PodLike;
    const token = writeToken(root, 'reviews');
    const tls = await createServingCertificate({ dnsNames: ['kubernetes.default.svc'], ipAddresses: [API_SERVER] });
    const pem = (name: string, text: string) => {
      const file = path.join(root, `api-server.${name}.pem`);
      fs.writeFileSync(file, text);
      return file;
    };
    const [cert, key, ca] = [pem('cert', tls.certPem), pem('key', tls.keyPem), pem('ca', tls.caPem)];

    network = PodNetwork.create([CONTROLLER, OUTSIDE, API_SERVER]);
    const { pod, node } = network;
    // What the init container does, with the environment the kubelet gives it.
    network.run(pod, 'sh', ['-c', captureScriptOf(template)], { KUBERNETES_SERVICE_HOST: API_SERVER, KUBERNETES_SERVICE_PORT: '443' });
    const servers = path.join(__dirname, 'outside-servers.ts');
    startLocalController(network, image, root, manifests, CONTROLLER, [registryEntry('reviews', PodNetwork.POD_IP, token)]);
    network.start(node, process.execPath, ['--import', 'tsx', servers, OUTSIDE, OUTSIDE_PORT, 'tcp'], { name: 'outside-tcp' });
    network.start(node, process.execPath, ['--import', 'tsx', servers, API_SERVER, '443', 'https', cert, key], { name: 'api-server' });
    const proxy = network.start(pod, process.execPath, [image.proxy, '--bootstrap', podBootstrapFile(root, template, `${CONTROLLER}:15010`, token.file)], { name: 'reviews-proxy', uid: PROXY_UID });
    const logs = () => network!.logs();
    await until('the reviews sidecar ready on its health port', async () => ((await callFrom(node, 'http', `http://${PodNetwork.POD_IP}:15020/ready`)).status === 200 ? true : undefined), logs);
    await until('the servers outside the mesh listening', async () => ((await callFrom(node, 'tcp', OUTSIDE, OUTSIDE_PORT)).data && (await callFrom(node, 'https', `https://${API_SERVER}/version`, ca, 'kubernetes.default.svc')).status === 200 ? true : undefined), logs);
    return { network, proxy, apiServerCa: ca, root };
  } catch (error) {
    await network?.destroy();
    fs.rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

/** The pod of the enclosing describe: started before its tests, stopped after them. */
function podUnder(policy: OutboundPolicy): () => InjectedPod {
  let pod: InjectedPod | undefined;
  beforeAll(async () => {
    pod = await startPod(policy);
  }, 120_000);
  afterAll(async () => {
    await pod?.network.destroy();
    if (pod) fs.rmSync(pod.root, { recursive: true, force: true });
  });
  return () => pod!;
}

/** The app calls the API server as an in-cluster client does (the address and port it was given, verifying the server), and gets its answer. */
async function expectApiServerAnswers(pod: InjectedPod): Promise<void> {
  const answer = await callFrom(pod.network.pod, 'https', `https://${API_SERVER}:443/version`, pod.apiServerCa, 'kubernetes.default.svc');
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.body!)).toMatchObject({ gitVersion: 'stand-in' });
}

describe('an injected pod under ALLOW_ANY', () => {
  const pod = podUnder('ALLOW_ANY');

  it('reaches a TCP server outside the mesh on a port no mesh service uses', async () => {
    const answer = await callFrom(pod().network.pod, 'tcp', OUTSIDE, OUTSIDE_PORT);
    expect(answer).toEqual({ data: `banner from ${OUTSIDE}:${OUTSIDE_PORT}\n` });
  });

  it('reaches the API server where the kubelet says it is, over TLS, though 443 is a port of the mesh it captures', async () => {
    await expectApiServerAnswers(pod());
  });
});

describe('an injected pod under REGISTRY_ONLY', () => {
  const pod = podUnder('REGISTRY_ONLY');

  it('is refused a TCP server outside the mesh, and its sidecar logs that the BlackHole refused it', async () => {
    const refusal = (line: string) => {
      try {
        const entry = JSON.parse(line) as { event?: string; code?: string; msg?: string };
        return entry.event === 'tcp.outbound_refused' ? entry : undefined;
      } catch {
        return undefined;
      }
    };
    // The sidecar accepts each connection on its BlackHole listener and closes it unanswered; its log is
    // flushed within a second, so the call is repeated until the line shows.
    const { answer, logged } = await until(
      'a refusal the sidecar logs',
      async () => {
        const answer = await callFrom(pod().network.pod, 'tcp', OUTSIDE, OUTSIDE_PORT);
        const logged = pod().proxy.output.split('\n').map(refusal).find((entry) => entry !== undefined);
        return logged ? { answer, logged } : undefined;
      },
      () => pod().network.logs(),
    );
    expect(answer.data).toBe('');
    expect(logged.code).toBe('OUTBOUND_NOT_REGISTERED');
    expect(logged.msg).toMatch(/REGISTRY_ONLY.*ExternalService/);
  });

  it('still reaches the API server where the kubelet says it is, over TLS', async () => {
    await expectApiServerAnswers(pod());
  });
});
