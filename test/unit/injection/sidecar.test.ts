import { describe, expect, it } from 'vitest';
import {
  BOOTSTRAP_ANNOTATION,
  expandEnvReferences,
  INJECTED_ANNOTATION,
  MESHED_LABEL,
  injectionConfig,
  injectionDecision,
  injectSidecar,
  INIT_CONTAINER,
  PROXY_CONTAINER,
  sidecarFor,
  sidecarPatch,
  type Container,
  type PodLike,
  type Sidecar,
} from '../../../lib/injection';
import { parseBootstrap } from '../../../proxy/bootstrap/bootstrap';
import { applyJsonPatch } from './apply-json-patch';

const config = injectionConfig({ proxyImage: 'ghcr.io/meshform/proxy:0.1.0' });

function pod(extra: { annotations?: Record<string, string>; initContainers?: Container[]; volumes?: { name: string }[] } = {}): PodLike {
  return {
    metadata: { labels: { app: 'reviews', version: 'v2' }, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: {
      serviceAccountName: 'reviews',
      containers: [{ name: 'reviews', image: 'reviews:1' }],
      ...(extra.initContainers ? { initContainers: extra.initContainers } : {}),
      ...(extra.volumes ? { volumes: extra.volumes } : {}),
    },
  };
}

function withContainer(container: Container, annotations?: Record<string, string>): PodLike {
  const base = pod(annotations ? { annotations } : {});
  return { ...base, spec: { ...base.spec, containers: [container] } };
}

const byName = (containers: readonly unknown[] | undefined, name: string) => (containers as Container[] | undefined)?.find((c) => c.name === name) as any;
const captureScript = (sidecar: Sidecar): string => byName(sidecar.initContainers, INIT_CONTAINER).command[2];

describe('sidecarFor', () => {
  it('by default makes the proxy a native sidecar that starts after capture and before the app, gated on /ready', () => {
    const injected = injectSidecar(pod({ initContainers: [{ name: 'migrate', image: 'm' }] }), sidecarFor(pod(), { namespace: 'shop' }, config));
    expect(injected.spec.initContainers!.map((c) => c.name)).toEqual([INIT_CONTAINER, PROXY_CONTAINER, 'migrate']);
    expect(injected.spec.containers.map((c) => c.name)).toEqual(['reviews']);
    const proxy = byName(injected.spec.initContainers, PROXY_CONTAINER);
    expect(proxy.restartPolicy).toBe('Always');
    expect(proxy.startupProbe.httpGet).toEqual({ path: '/ready', port: 15020 });
    expect(proxy.lifecycle).toBeUndefined();
  });

  it('keeps the admin port on loopback and opens only the health port to the pod network, where Prometheus scrapes', () => {
    const sidecar = sidecarFor(pod(), { namespace: 'shop' }, config);
    const bootstrap = parseBootstrap(JSON.parse(expandEnvReferences(sidecar.annotations[BOOTSTRAP_ANNOTATION]!, { POD_IP: '10.1.2.3' })));
    expect(bootstrap.admin).toEqual({ address: '127.0.0.1', port: 15000 });
    expect(bootstrap.health).toEqual({ address: '0.0.0.0', port: 15020 });
    expect(byName(sidecar.initContainers, PROXY_CONTAINER).ports).toEqual([{ name: 'http-health', containerPort: 15020, protocol: 'TCP' }]);
    expect(sidecar.annotations).toMatchObject({ 'prometheus.io/port': '15020', 'prometheus.io/path': '/stats/prometheus' });
  });

  it('in classic mode puts the proxy first among containers and holds the app with a postStart hook', () => {
    const classic = injectionConfig({ proxyImage: 'p:1', mode: 'classic', adminPort: 15999 });
    const injected = injectSidecar(pod(), sidecarFor(pod(), { namespace: 'shop' }, classic));
    expect(injected.spec.initContainers!.map((c) => c.name)).toEqual([INIT_CONTAINER]);
    expect(injected.spec.containers.map((c) => c.name)).toEqual([PROXY_CONTAINER, 'reviews']);
    const proxy = byName(injected.spec.containers, PROXY_CONTAINER);
    expect(proxy.restartPolicy).toBeUndefined();
    expect(proxy.lifecycle.postStart.exec.command.join(' ')).toContain('http://127.0.0.1:15999/ready');
  });

  it('grants NET_ADMIN to the capture init container only; the proxy drops every capability and runs as its non-root UID', () => {
    const sidecar = sidecarFor(pod(), { namespace: 'shop' }, config);
    const init = byName(sidecar.initContainers, INIT_CONTAINER);
    const proxy = byName(sidecar.initContainers, PROXY_CONTAINER);
    expect(init.securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW'] });
    expect(proxy.securityContext).toMatchObject({ runAsUser: 1337, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(JSON.stringify(proxy)).not.toContain('NET_ADMIN');
  });

  it('takes the proxy resources from the mesh config', () => {
    const custom = injectionConfig({ proxyImage: 'p:1', resources: { requests: { cpu: '200m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } } });
    const proxy = byName(sidecarFor(pod(), { namespace: 'shop' }, custom).initContainers, PROXY_CONTAINER);
    expect(proxy.resources).toEqual({ requests: { cpu: '200m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } });
  });

  it('mounts a projected ServiceAccount token for the mesh audience and the controller CA root next to the bootstrap', () => {
    const sidecar = sidecarFor(pod(), { namespace: 'shop' }, injectionConfig({ proxyImage: 'p:1', tokenAudience: 'mesh.example' }));
    const sources = (sidecar.volumes[0] as any).projected.sources;
    expect(sources[0].serviceAccountToken).toEqual({ audience: 'mesh.example', expirationSeconds: 3600, path: 'token' });
    expect(sources[1].downwardAPI.items[0].fieldRef.fieldPath).toBe(`metadata.annotations['${BOOTSTRAP_ANNOTATION}']`);
    expect(sources[2].configMap).toEqual({ name: 'meshform-ca-root', items: [{ key: 'root-cert.pem', path: 'root-cert.pem' }] });
    expect(byName(sidecar.initContainers, PROXY_CONTAINER).volumeMounts[0]).toMatchObject({ mountPath: '/var/run/meshform', readOnly: true });
  });

  it('writes a bootstrap the proxy accepts once the pod IP is known, naming the node as the xDS contract says', () => {
    const sidecar = sidecarFor(pod(), { namespace: 'shop' }, config);
    const text = sidecar.annotations[BOOTSTRAP_ANNOTATION]!;
    const bootstrap = parseBootstrap(JSON.parse(expandEnvReferences(text, { POD_IP: '10.1.2.3' })));
    expect(bootstrap.node.id).toBe('sidecar~10.1.2.3~reviews.shop~shop.svc.cluster.local');
    expect(bootstrap.node.metadata).toMatchObject({ NAMESPACE: 'shop', WORKLOAD: 'reviews', SERVICE_ACCOUNT: 'reviews', INSTANCE_IP: '10.1.2.3', OUTBOUND_IP: '127.0.0.6', LABELS: { app: 'reviews', version: 'v2' } });
    expect(bootstrap.controller).toMatchObject({ address: 'meshform-controller.meshform-system.svc:15012', caFile: '/var/run/meshform/root-cert.pem' });
    expect(bootstrap.tokenPath).toBe('/var/run/meshform/token');
    expect(() => expandEnvReferences(text, {})).toThrow(/POD_IP is not set/);
  });

  it("redirects the mesh's outbound ports to the proxy except for its own UID, loopback, the API server, TCP DNS and the excluded ports and CIDRs (config and annotations)", () => {
    const custom = injectionConfig({ proxyImage: 'p:1', excludeOutboundPorts: [5432] });
    const annotated = pod({ annotations: { 'meshform.dev/exclude-outbound-ports': '6379, 443', 'meshform.dev/exclude-outbound-cidrs': '10.96.0.1/32' } });
    const lines = captureScript(sidecarFor(annotated, { namespace: 'shop', mesh: { ports: [9080], outboundPolicy: 'ALLOW_ANY' } }, custom)).split('\n');
    const dnat = lines.findIndex((l) => l.includes('DNAT --to-destination 127.0.0.6'));
    expect(dnat).toBeGreaterThan(0);
    const exclusions = [
      '--uid-owner 1337 -j RETURN',
      '-d 127.0.0.0/8 -j RETURN',
      '-p tcp -d "$api_server" --dport "${KUBERNETES_SERVICE_PORT:-443}" -j RETURN',
      '-p tcp -d "$ns" --dport 53 -j RETURN',
      '--dport 443 -j RETURN',
      '--dport 5432 -j RETURN',
      '--dport 6379 -j RETURN',
      '-d 10.96.0.1/32 -j RETURN',
    ];
    for (const exclusion of exclusions) {
      const at = lines.findIndex((l) => l.includes(exclusion));
      expect(at, exclusion).toBeGreaterThan(0);
      expect(at, `${exclusion} comes before the redirect`).toBeLessThan(dnat);
    }
    expect(lines[0]).toBe('set -eu');
  });

  it('redirects only the listed ports when includeOutboundPorts is a list', () => {
    const script = captureScript(sidecarFor(pod(), { namespace: 'shop' }, injectionConfig({ proxyImage: 'p:1', includeOutboundPorts: [9080, 9090] })));
    expect(script.split('\n').filter((l) => l.includes('DNAT'))).toEqual([
      'iptables -w -t nat -A MESHFORM_OUTPUT -p tcp --dport 9080 -j DNAT --to-destination 127.0.0.6',
      'iptables -w -t nat -A MESHFORM_OUTPUT -p tcp --dport 9090 -j DNAT --to-destination 127.0.0.6',
    ]);
  });

  it("by default captures only the mesh's ports and the pod's listed additions, and lets every other port bypass the sidecar under ALLOW_ANY", () => {
    const annotated = pod({ annotations: { 'meshform.dev/include-outbound-ports': '7000' } });
    const sidecar = sidecarFor(annotated, { namespace: 'shop', mesh: { ports: [443, 9080], outboundPolicy: 'ALLOW_ANY' } }, config);
    expect(captureScript(sidecar).split('\n').filter((l) => l.includes('DNAT'))).toEqual([
      'iptables -w -t nat -A MESHFORM_OUTPUT -p tcp --dport 443 -j DNAT --to-destination 127.0.0.6',
      'iptables -w -t nat -A MESHFORM_OUTPUT -p tcp --dport 7000 -j DNAT --to-destination 127.0.0.6',
      'iptables -w -t nat -A MESHFORM_OUTPUT -p tcp --dport 9080 -j DNAT --to-destination 127.0.0.6',
    ]);
    expect(sidecar.annotations['meshform.dev/captured-outbound-ports']).toBe('443,7000,9080');
  });

  it('captures nothing outbound for a mesh with no services yet, and says so on the pod', () => {
    const sidecar = sidecarFor(pod(), { namespace: 'shop' }, config);
    expect(captureScript(sidecar)).not.toContain('DNAT');
    expect(sidecar.annotations['meshform.dev/captured-outbound-ports']).toBe('');
  });

  it("sends every port outside the mesh's to the BlackHole listener, after the mesh's ports and exclusions, under REGISTRY_ONLY", () => {
    const custom = injectionConfig({ proxyImage: 'p:1', excludeOutboundPorts: [5432] });
    const lines = captureScript(sidecarFor(pod(), { namespace: 'shop', mesh: { ports: [9080], outboundPolicy: 'REGISTRY_ONLY' } }, custom)).split('\n');
    const rules = lines.filter((l) => l.includes('-A MESHFORM_OUTPUT'));
    expect(rules.slice(-2)).toEqual([
      'iptables -w -t nat -A MESHFORM_OUTPUT -p tcp --dport 9080 -j DNAT --to-destination 127.0.0.6',
      'iptables -w -t nat -A MESHFORM_OUTPUT -p tcp -j DNAT --to-destination 127.0.0.6:15001',
    ]);
    for (const exclusion of ['--dport 5432 -j RETURN', '-d "$api_server"', '--dport 53 -j RETURN']) {
      expect(rules.findIndex((l) => l.includes(exclusion)), exclusion).toBeLessThan(rules.length - 2);
    }
  });

  it("captures every port with includeOutboundPorts 'all', with no BlackHole rule even under REGISTRY_ONLY (the proxy refuses ports it has no listener for)", () => {
    const sidecar = sidecarFor(pod(), { namespace: 'shop', mesh: { ports: [9080], outboundPolicy: 'REGISTRY_ONLY' } }, injectionConfig({ proxyImage: 'p:1', includeOutboundPorts: 'all' }));
    expect(captureScript(sidecar).split('\n').filter((l) => l.includes('DNAT'))).toEqual(['iptables -w -t nat -A MESHFORM_OUTPUT -p tcp -j DNAT --to-destination 127.0.0.6']);
    expect(sidecar.annotations['meshform.dev/captured-outbound-ports']).toBe('all');
  });

  it('redirects inbound connections on each container port to its own proxy port, and the app\'s calls to its own ports to remapped outbound ports', () => {
    const serving = withContainer({ name: 'reviews', image: 'r:1', ports: [{ containerPort: 9090 }, { containerPort: 9080, name: 'http' }, { containerPort: 5353, protocol: 'UDP' }] });
    const sidecar = sidecarFor(serving, { namespace: 'shop', mesh: { ports: [9080, 9090], outboundPolicy: 'ALLOW_ANY' } }, config);
    const lines = captureScript(sidecar).split('\n');
    expect(lines.filter((l) => l.includes('REDIRECT'))).toEqual([
      'iptables -w -t nat -A MESHFORM_INBOUND -p tcp --dport 9080 -j REDIRECT --to-ports 15100',
      'iptables -w -t nat -A MESHFORM_INBOUND -p tcp --dport 9090 -j REDIRECT --to-ports 15101',
    ]);
    const remaps = lines.filter((l) => l.includes('DNAT --to-destination 127.0.0.6:'));
    expect(remaps).toEqual([
      'iptables -w -t nat -A MESHFORM_OUTPUT -p tcp --dport 9080 -j DNAT --to-destination 127.0.0.6:15300',
      'iptables -w -t nat -A MESHFORM_OUTPUT -p tcp --dport 9090 -j DNAT --to-destination 127.0.0.6:15301',
    ]);
    // The remaps come before the port's own redirect, which would otherwise take it first.
    expect(lines.indexOf(remaps[1]!)).toBeLessThan(lines.findIndex((l) => l.endsWith('--dport 9080 -j DNAT --to-destination 127.0.0.6')));
    const bootstrap = parseBootstrap(JSON.parse(expandEnvReferences(sidecar.annotations[BOOTSTRAP_ANNOTATION]!, { POD_IP: '10.1.2.3' })));
    expect(bootstrap.node.metadata).toMatchObject({ INBOUND_PORTS: { '9080': 15100, '9090': 15101 }, OUTBOUND_PORTS: { '9080': 15300, '9090': 15301 } });
  });

  it('leaves a port excluded by annotation uncaptured', () => {
    const serving = withContainer({ name: 'reviews', image: 'r:1', ports: [{ containerPort: 9080 }, { containerPort: 9102 }] }, { 'meshform.dev/exclude-inbound-ports': '9102' });
    const script = captureScript(sidecarFor(serving, { namespace: 'shop' }, config));
    expect(script).toContain('--dport 9080 -j REDIRECT --to-ports 15100');
    expect(script).not.toContain('--dport 9102');
  });

  it('refuses a container port in the range the sidecar reserves (15000 at min, 15399 at max), naming the pod and the way out', () => {
    const at = (containerPort: number) => () => sidecarFor({ ...withContainer({ name: 'app', image: 'a', ports: [{ containerPort }] }), metadata: { name: 'web-1' } }, { namespace: 'shop' }, config);
    expect(at(14999)).not.toThrow();
    expect(at(15000)).toThrow(/web-1: container port\(s\) 15000 fall in 15000-15399, which the sidecar reserves; .*meshform\.dev\/exclude-inbound-ports/);
    expect(at(15399)).toThrow(/15399 fall in 15000-15399/);
    expect(at(15400)).not.toThrow();
  });

  it('refuses more than 100 captured ports (100 pass, 101 do not)', () => {
    const withPorts = (n: number) => withContainer({ name: 'app', image: 'a', ports: Array.from({ length: n }, (_, i) => ({ containerPort: 20000 + i })) });
    expect(() => sidecarFor(withPorts(100), { namespace: 'shop' }, config)).not.toThrow();
    expect(() => sidecarFor(withPorts(101), { namespace: 'shop' }, config)).toThrow(/101 container ports; the sidecar captures at most 100/);
  });

  it('sends app probes on captured ports through the health port and gives the proxy the originals; other probes stay as they are', () => {
    const serving = withContainer({
      name: 'reviews',
      image: 'r:1',
      ports: [{ containerPort: 9080, name: 'http' }],
      readinessProbe: { httpGet: { path: '/health', port: 'http', host: 'ignored' }, periodSeconds: 3, timeoutSeconds: 2 },
      livenessProbe: { tcpSocket: { port: 9080 } },
      startupProbe: { httpGet: { path: '/started', port: 8081 } },
    });
    const sidecar = sidecarFor(serving, { namespace: 'shop' }, config);
    const app = byName(injectSidecar(serving, sidecar).spec.containers, 'reviews');
    expect(app.readinessProbe).toEqual({ httpGet: { path: '/app-health/reviews/readyz', port: 15020, scheme: 'HTTP' }, periodSeconds: 3, timeoutSeconds: 2 });
    expect(app.livenessProbe).toEqual({ httpGet: { path: '/app-health/reviews/livez', port: 15020, scheme: 'HTTP' } });
    expect(app.startupProbe).toEqual({ httpGet: { path: '/started', port: 8081 } });
    const bootstrap = parseBootstrap(JSON.parse(expandEnvReferences(sidecar.annotations[BOOTSTRAP_ANNOTATION]!, { POD_IP: '10.1.2.3' })));
    expect(bootstrap.appProbes).toEqual({
      'reviews/readyz': { httpGet: { port: 9080, path: '/health', scheme: 'HTTP', httpHeaders: [] }, timeoutSeconds: 2 },
      'reviews/livez': { tcpSocket: { port: 9080 }, timeoutSeconds: 1 },
    });
  });

  it('refuses a malformed exclusion annotation, naming it', () => {
    expect(() => sidecarFor(pod({ annotations: { 'meshform.dev/exclude-outbound-ports': '80,http' } }), { namespace: 'shop' }, config)).toThrow(/meshform\.dev\/exclude-outbound-ports: "http" is not a port/);
  });

  it('rejects a config with a malformed resource quantity', () => {
    expect(() => injectionConfig({ proxyImage: 'p:1', resources: { requests: { cpu: 'lots', memory: '1Mi' }, limits: { memory: '1Mi' } } })).toThrow(/Kubernetes quantity/);
  });
});

describe('injectionDecision', () => {
  it('leaves out pods that opt out, are already injected or use the host network, and asks for opt-in where required', () => {
    expect(injectionDecision(pod())).toEqual({ inject: true });
    expect(injectionDecision(pod({ annotations: { 'meshform.dev/inject': 'false' } })).inject).toBe(false);
    expect(injectionDecision(pod({ annotations: { [INJECTED_ANNOTATION]: 'native' } }))).toEqual({ inject: false, reason: 'already injected' });
    expect(injectionDecision({ ...pod(), spec: { ...pod().spec, hostNetwork: true } }).inject).toBe(false);
    expect(injectionDecision(pod(), { optInRequired: true }).inject).toBe(false);
    expect(injectionDecision(pod({ annotations: { 'meshform.dev/inject': 'true' } }), { optInRequired: true })).toEqual({ inject: true });
  });
});

describe('the meshed label', () => {
  it('is added to an injected pod beside its own labels, so NetworkPolicies can select meshed pods', () => {
    const injected = injectSidecar(pod(), sidecarFor(pod(), { namespace: 'shop' }, config));
    expect(injected.metadata?.labels).toEqual({ app: 'reviews', version: 'v2', [MESHED_LABEL]: 'true' });
  });
});

describe('sidecarPatch', () => {
  const shapes: [string, PodLike][] = [
    ['a bare pod', pod()],
    ['a pod with annotations, init containers and volumes', pod({ annotations: { 'example.com/keep': 'x' }, initContainers: [{ name: 'migrate', image: 'm' }], volumes: [{ name: 'data' }] })],
    ['a pod without metadata', { spec: { containers: [{ name: 'app', image: 'a' }] } }],
    [
      'a pod whose second container is probed on a captured port',
      { spec: { containers: [{ name: 'log', image: 'l' }, { name: 'app', image: 'a', ports: [{ containerPort: 8080 }], readinessProbe: { httpGet: { path: '/', port: 8080 } } }] } },
    ],
  ];
  for (const [shape, original] of shapes) {
    for (const mode of ['native', 'classic'] as const) {
      it(`applied to ${shape} gives exactly the statically injected pod (${mode})`, () => {
        const sidecar = sidecarFor(original, { namespace: 'shop' }, injectionConfig({ proxyImage: 'p:1', mode }));
        expect(applyJsonPatch(original, sidecarPatch(original, sidecar))).toEqual(injectSidecar(original, sidecar));
      });
    }
  }

  it('escapes the slash in annotation names and adds to existing lists instead of replacing them', () => {
    const original = pod({ annotations: { keep: 'x' }, volumes: [{ name: 'data' }] });
    const ops = sidecarPatch(original, sidecarFor(original, { namespace: 'shop' }, config));
    expect(ops.map((o) => o.path)).toContain('/metadata/annotations/meshform.dev~1injected');
    expect(ops).toContainEqual({ op: 'add', path: '/metadata/labels/meshform.dev~1meshed', value: 'true' });
    expect(ops.filter((o) => o.path.startsWith('/spec/volumes')).every((o) => o.path === '/spec/volumes/-')).toBe(true);
  });
});
