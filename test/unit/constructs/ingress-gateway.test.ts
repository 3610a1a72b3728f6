import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  AccessPolicy,
  Backend,
  Certificate,
  ExternalService,
  FaultInjection,
  GatewayRoute,
  GatewayService,
  IngressGateway,
  JwtAuth,
  Jwks,
  Listener,
  Match,
  MeshControlPlane,
  PolicyTarget,
  Principal,
  RateLimit,
  Retry,
  Timeout,
  TrafficMirror,
  validateMesh,
  type IngressGatewayProps,
} from '../../../constructs';
import { expandEnvReferences } from '../../../lib/injection';
import { parseBootstrap } from '../../../proxy/bootstrap';
import { expectHardenedPods } from '../control-plane/hardened';
import { expectFinding, meshResources, reviewsService, shopChart } from './support';

const shopTls = [Certificate.fromSecret('shop-tls')];
const webListeners = () => [Listener.http(80), Listener.https(443, { hostname: 'shop.example.com', certificates: shopTls })];

function edge(chart: Chart, props: Partial<IngressGatewayProps> = {}): IngressGateway {
  return new IngressGateway(chart, 'Edge', { listeners: webListeners(), ...props });
}

const ofKind = (chart: Chart, kind: string) => Testing.synth(chart).filter((o) => o.kind === kind);

describe('IngressGateway', () => {
  it('synthesizes a MeshGateway, its routes, and the gateway proxy Deployment, ServiceAccount, Service and PodDisruptionBudget', () => {
    const chart = shopChart();
    const reviews = reviewsService(chart);
    const gw = edge(chart, { replicas: 2 });
    gw.redirectToHttps();
    gw.addRoute('Reviews', {
      listener: gw.listeners[1],
      hostnames: ['shop.example.com'],
      rules: [
        { name: 'jason', matches: [Match.header('end-user', 'jason')], backends: [Backend.service(reviews, { version: 'v2' })] },
        {
          name: 'split',
          matches: [Match.pathPrefix('/reviews')],
          backends: [Backend.service(reviews, { version: 'v1', weight: 90 }), Backend.service(reviews, { version: 'v3', weight: 10 })],
          timeout: Timeout.of('5s'),
          retry: Retry.on('gateway-error').attempts(2).perTryTimeout('2s'),
          requestHeaders: { set: { 'x-entry': 'edge' } },
          responseHeaders: { remove: ['server'] },
        },
      ],
    });
    expect(validateMesh(chart)).toEqual([]);
    expect(Testing.synth(chart).filter((o) => o.kind !== 'MeshService')).toMatchSnapshot();
  });

  it('routes with everything a TrafficRoute rule offers: rewrite, mirror, fault, direct response and redirect', () => {
    const chart = shopChart();
    const reviews = reviewsService(chart);
    const gw = edge(chart, { listeners: [Listener.http(80)] });
    const route = new GatewayRoute(chart, 'Everything', {
      gateway: gw,
      rules: [
        { name: 'old', matches: [Match.pathPrefix('/old')], redirect: { path: '/new', statusCode: 302 } },
        { name: 'gone', matches: [Match.pathExact('/gone')], directResponse: { status: 410, body: 'gone' } },
        {
          name: 'api',
          matches: [Match.all(Match.pathPrefix('/api'), Match.method('GET'), Match.queryParam('v', '2'))],
          backends: [Backend.service(reviews, { version: 'v2' })],
          rewrite: { path: { type: 'ReplacePrefixMatch', value: '/' } },
          mirror: TrafficMirror.to(reviews, { version: 'v3', percent: 10 }),
          fault: FaultInjection.abort(503, { percent: 1 }),
        },
      ],
    });
    expect(validateMesh(chart)).toEqual([]);
    const rules = meshResources(chart).find((o) => o.metadata.name === route.name).spec.rules;
    expect(rules.map((r: any) => Object.keys(r).sort())).toEqual([
      ['matches', 'name', 'redirect'],
      ['directResponse', 'matches', 'name'],
      ['backends', 'fault', 'matches', 'mirror', 'name', 'rewrite'],
    ]);
    expect(rules[2].mirror).toEqual({ backend: { name: 'reviews', namespace: 'shop', version: 'v3' }, percent: 10 });
  });

  it('runs the proxy in a hardened pod: non-root, read-only root filesystem, no privilege escalation, every capability dropped', () => {
    const chart = shopChart();
    edge(chart);
    const objects = Testing.synth(chart);
    expectHardenedPods(objects);
    const [deployment] = objects.filter((o) => o.kind === 'Deployment');
    const pod = deployment.spec.template.spec;
    expect(pod.initContainers).toBeUndefined();
    expect(pod.containers).toHaveLength(1);
    // Ports 80 and 443 without NET_BIND_SERVICE.
    expect(pod.securityContext.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }]);
    expect(deployment.spec.template.metadata.annotations['meshform.dev/inject']).toBe('false');
    expect(ofKind(chart, 'ServiceAccount')[0].automountServiceAccountToken).toBe(false);
  });

  it('needs no sysctl when every listener is on an unprivileged port', () => {
    const chart = shopChart();
    edge(chart, { listeners: [Listener.http(8080)] });
    expect(ofKind(chart, 'Deployment')[0].spec.template.spec.securityContext.sysctls).toBeUndefined();
  });

  it('bootstraps the proxy in the gateway role, naming its MeshGateway', () => {
    const chart = shopChart();
    edge(chart);
    const bootstrap = JSON.parse(ofKind(chart, 'Deployment')[0].spec.template.metadata.annotations['meshform.dev/bootstrap']);
    expect(bootstrap.node.id).toBe('router~${POD_IP}~edge.shop~shop.svc.cluster.local');
    expect(bootstrap.gateway).toBe('shop/edge');
    expect(bootstrap.node.metadata).toMatchObject({ SERVICE_ACCOUNT: 'edge', NAMESPACE: 'shop', LABELS: { 'meshform.dev/gateway': 'edge' } });
    expect(bootstrap.node.metadata.INBOUND_PORTS).toBeUndefined();
  });

  it('writes a bootstrap the proxy accepts once the pod IP is known', () => {
    const chart = shopChart();
    edge(chart);
    const text = ofKind(chart, 'Deployment')[0].spec.template.metadata.annotations['meshform.dev/bootstrap'];
    const bootstrap = parseBootstrap(JSON.parse(expandEnvReferences(text, { POD_IP: '10.1.2.3' })));
    expect(bootstrap.gateway).toBe('shop/edge');
    expect(bootstrap.node.id).toBe('router~10.1.2.3~edge.shop~shop.svc.cluster.local');
  });

  it('takes the proxy image and controller address from the app\'s control plane', () => {
    const app = Testing.app();
    new MeshControlPlane(new Chart(app, 'cp'), 'ControlPlane', { registry: 'registry.example/mesh', version: '9.9.9' });
    const chart = new Chart(app, 'test', { namespace: 'shop' });
    edge(chart);
    const [deployment] = ofKind(chart, 'Deployment');
    expect(deployment.spec.template.spec.containers[0].image).toBe('registry.example/mesh/proxy:9.9.9');
    expect(JSON.parse(deployment.spec.template.metadata.annotations['meshform.dev/bootstrap']).controller.address).toBe('meshform-controller.meshform-system.svc:15012');
  });

  it('exposes the gateway through a LoadBalancer by default, or a NodePort or ClusterIP Service as configured', () => {
    const chart = shopChart();
    edge(chart);
    new IngressGateway(chart, 'Internal', { listeners: [Listener.http(8080)], service: GatewayService.clusterIp() });
    new IngressGateway(chart, 'Metal', { listeners: webListeners(), service: GatewayService.nodePort({ 443: 30443 }) });
    new IngressGateway(chart, 'Cloud', { listeners: [Listener.http(80)], service: GatewayService.loadBalancer({ annotations: { 'lb.example/internal': 'true' }, externalTrafficPolicy: 'Local' }) });
    const services = Object.fromEntries(ofKind(chart, 'Service').map((s) => [s.metadata.name, s]));
    expect(services['edge'].spec.type).toBe('LoadBalancer');
    expect(services['internal'].spec.type).toBe('ClusterIP');
    expect(services['metal'].spec).toMatchObject({ type: 'NodePort', ports: [{ port: 80, targetPort: 80 }, { port: 443, targetPort: 443, nodePort: 30443 }] });
    expect(services['metal'].spec.ports[0].nodePort).toBeUndefined();
    expect(services['cloud'].metadata.annotations).toEqual({ 'lb.example/internal': 'true' });
    expect(services['cloud'].spec.externalTrafficPolicy).toBe('Local');
  });

  it('adds a PodDisruptionBudget and spreads over nodes only with more than one replica', () => {
    const one = shopChart();
    edge(one);
    expect(ofKind(one, 'PodDisruptionBudget')).toEqual([]);
    expect(ofKind(one, 'Deployment')[0].spec.template.spec.affinity).toBeUndefined();
    const two = shopChart();
    edge(two, { replicas: 2 });
    expect(ofKind(two, 'PodDisruptionBudget')[0].spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'meshform.dev/gateway': 'edge' } } });
    expect(ofKind(two, 'Deployment')[0].spec.template.spec.affinity.podAntiAffinity).toBeDefined();
  });

  it('shares one Service port between listeners on the same port for different hostnames', () => {
    const chart = shopChart();
    edge(chart, {
      listeners: [
        Listener.https(443, { hostname: 'shop.example.com', certificates: shopTls }),
        Listener.https(443, { hostname: 'api.example.com', certificates: [Certificate.fromSecret('api-tls')] }),
      ],
    });
    expect(ofKind(chart, 'Service')[0].spec.ports).toEqual([{ name: 'https-443', port: 443, targetPort: 443, protocol: 'TCP' }]);
    expect(meshResources(chart)[0].spec.listeners.map((l: any) => l.name)).toEqual(['https-443-shop-example-com', 'https-443-api-example-com']);
  });

  it('redirects every HTTP listener to the first HTTPS port', () => {
    const chart = shopChart();
    const routes = edge(chart).redirectToHttps({ statusCode: 308 });
    expect(routes.map((r) => r.name)).toEqual(['edge-redirect-to-https-http-80']);
    const [route] = meshResources(chart).filter((o) => o.kind === 'GatewayRoute');
    expect(route.spec).toEqual({ parentRefs: [{ name: 'edge', namespace: 'shop', sectionName: 'http-80' }], rules: [{ name: 'to-https', redirect: { scheme: 'https', port: 443, statusCode: 308 } }] });
  });

  it('places edge policies in the gateway\'s namespace, targeting the MeshGateway', () => {
    const chart = new Chart(Testing.app(), 'test');
    const gw = new IngressGateway(chart, 'Edge', { namespace: 'edge-ns', listeners: webListeners() });
    new JwtAuth(chart, 'EdgeJwt', { target: PolicyTarget.gateway(gw), issuers: [{ issuer: 'https://id.example', keys: Jwks.fromUri('https://id.example/jwks') }] });
    new AccessPolicy(chart, 'EdgeAccess', { target: PolicyTarget.gateway(gw), rules: [{ from: [Principal.jwt('https://id.example')] }] });
    new RateLimit(chart, 'EdgeLimit', { target: PolicyTarget.gateway(gw), tokens: 100, fillInterval: '1s' });
    const policies = meshResources(chart).filter((o) => o.spec.targetRef);
    expect(policies.map((p) => [p.kind, p.metadata.namespace, p.spec.targetRef])).toEqual([
      ['JwtPolicy', 'edge-ns', { kind: 'MeshGateway', name: 'edge', namespace: 'edge-ns' }],
      ['AccessPolicy', 'edge-ns', { kind: 'MeshGateway', name: 'edge', namespace: 'edge-ns' }],
      ['RateLimit', 'edge-ns', { kind: 'MeshGateway', name: 'edge', namespace: 'edge-ns' }],
    ]);
  });

  describe('validation', () => {
    it('accepts 1 and 100 replicas and rejects 0 and 101', () => {
      edge(shopChart(), { replicas: 1 });
      edge(shopChart(), { replicas: 100 });
      for (const replicas of [0, 101]) {
        const f = expectFinding(() => edge(shopChart(), { replicas }), { code: 'OUT_OF_RANGE', where: 'test/Edge', field: 'replicas' });
        expect(f.limit).toBe('1-100');
      }
    });

    it('accepts node ports 30000 and 32767 and rejects 29999 and 32768', () => {
      edge(shopChart(), { service: GatewayService.nodePort({ 80: 30000, 443: 32767 }) });
      for (const nodePort of [29999, 32768]) {
        const f = expectFinding(() => edge(shopChart(), { service: GatewayService.nodePort({ 443: nodePort }) }), { code: 'OUT_OF_RANGE', where: 'test/Edge', field: 'service.nodePorts[443]' });
        expect(f.limit).toBe('30000-32767');
      }
    });

    it('rejects a node port for a port no listener uses', () => {
      expectFinding(() => edge(shopChart(), { service: GatewayService.nodePort({ 8443: 30443 }) }), { code: 'UNKNOWN_PORT', where: 'test/Edge', field: 'service.nodePorts[8443]' });
    });

    it('accepts 1 and 64 listeners and rejects 0 and 65', () => {
      const listeners = (n: number) => Array.from({ length: n }, (_, i) => Listener.http(8000 + i));
      edge(shopChart(), { listeners: listeners(1) });
      edge(shopChart(), { listeners: listeners(64) });
      for (const n of [0, 65]) expectFinding(() => edge(shopChart(), { listeners: listeners(n) }), { code: 'OUT_OF_RANGE', where: 'test/Edge', field: 'spec.listeners' });
    });

    it('rejects two listeners on the same port and hostname', () => {
      expectFinding(() => edge(shopChart(), { listeners: [Listener.http(80), Listener.http(80, { name: 'plain' })] }), { code: 'DUPLICATE_LISTENER', where: 'test/Edge', field: 'listeners[1]' });
    });

    it('rejects two listeners of the same name', () => {
      expectFinding(() => edge(shopChart(), { listeners: [Listener.http(80, { name: 'web' }), Listener.http(8080, { name: 'web' })] }), { code: 'DUPLICATE_LISTENER', where: 'test/Edge', field: 'listeners[1].name' });
    });

    it('rejects an HTTPS listener without a certificate, and accepts 16 but not 17 certificates', () => {
      const https = (n: number) => Listener.https(443, { certificates: Array.from({ length: n }, (_, i) => Certificate.fromSecret(`tls-${i}`)) });
      const f = expectFinding(() => edge(shopChart(), { listeners: [https(0)] }), { code: 'HTTPS_WITHOUT_CERTIFICATE', where: 'test/Edge', field: 'listeners[0].certificates' });
      expect(f.fix).toContain('Certificate.fromSecret');
      edge(shopChart(), { listeners: [https(16)] });
      expectFinding(() => edge(shopChart(), { listeners: [https(17)] }), { code: 'OUT_OF_RANGE', where: 'test/Edge', field: 'spec.listeners[0].tls.certificates' });
    });

    it('rejects a route for a hostname no listener serves, naming the route', () => {
      const chart = shopChart();
      const reviews = reviewsService(chart);
      const gw = edge(chart);
      const f = expectFinding(() => gw.addRoute('Api', { hostnames: ['api.example.com'], listener: gw.listeners[1], rules: [{ backends: [Backend.service(reviews)] }] }), {
        code: 'HOSTNAME_NOT_SERVED',
        where: 'test/Edge/Api',
        field: 'hostnames[0]',
      });
      expect(f.limit).toBe('shop.example.com');
    });

    it('matches wildcard listener hostnames by one label', () => {
      const chart = shopChart();
      const reviews = reviewsService(chart);
      const gw = edge(chart, { listeners: [Listener.https(443, { hostname: '*.example.com', certificates: shopTls })] });
      gw.addRoute('One', { hostnames: ['shop.example.com', '*.example.com'], rules: [{ backends: [Backend.service(reviews)] }] });
      expectFinding(() => gw.addRoute('Two', { hostnames: ['a.shop.example.com'], rules: [{ backends: [Backend.service(reviews)] }] }), { code: 'HOSTNAME_NOT_SERVED', where: 'test/Edge/Two', field: 'hostnames[0]' });
      expectFinding(() => gw.addRoute('Three', { hostnames: ['example.com'], rules: [{ backends: [Backend.service(reviews)] }] }), { code: 'HOSTNAME_NOT_SERVED', where: 'test/Edge/Three', field: 'hostnames[0]' });
    });

    it('accepts 16 route hostnames and 128 rules, and rejects 17 and 129', () => {
      const chart = shopChart();
      const reviews = reviewsService(chart);
      const gw = edge(chart, { listeners: [Listener.http(80)] });
      const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i}.example.com`);
      const rules = (n: number) => Array.from({ length: n }, () => ({ backends: [Backend.service(reviews)] }));
      gw.addRoute('Ok', { hostnames: hosts(16), rules: rules(128) });
      expectFinding(() => gw.addRoute('ManyHosts', { hostnames: hosts(17), rules: rules(1) }), { code: 'OUT_OF_RANGE', where: 'test/Edge/ManyHosts', field: 'spec.hostnames' });
      expectFinding(() => gw.addRoute('ManyRules', { rules: rules(129) }), { code: 'OUT_OF_RANGE', where: 'test/Edge/ManyRules', field: 'spec.rules' });
    });

    it('rejects a listener that belongs to another gateway', () => {
      const chart = shopChart();
      const reviews = reviewsService(chart);
      const other = new IngressGateway(chart, 'Other', { listeners: [Listener.http(8080)] });
      const gw = edge(chart);
      expectFinding(() => gw.addRoute('Wrong', { listener: other.listeners[0], rules: [{ backends: [Backend.service(reviews)] }] }), { code: 'UNKNOWN_LISTENER', where: 'test/Edge/Wrong', field: 'listener' });
    });

    it('rejects a route from another namespace unless the listener allows all namespaces', () => {
      const chart = shopChart();
      const reviews = reviewsService(chart);
      const gw = edge(chart, { listeners: [Listener.http(80), Listener.http(8080, { allowedRoutes: 'All' })] });
      const route = { rules: [{ backends: [Backend.service(reviews)] }] };
      new GatewayRoute(chart, 'Shared', { namespace: 'team-a', gateway: gw, listener: gw.listeners[1], ...route });
      new GatewayRoute(chart, 'Any', { namespace: 'team-a', gateway: gw, ...route });
      expectFinding(() => new GatewayRoute(chart, 'Own', { namespace: 'team-a', gateway: gw, listener: gw.listeners[0], ...route }), { code: 'ROUTE_NOT_ALLOWED', where: 'test/Own', field: 'namespace' });
    });

    it('rejects a backend outside the mesh', () => {
      const chart = shopChart();
      const stripe = new ExternalService(chart, 'Stripe', { hosts: ['api.stripe.com'] });
      const f = expectFinding(() => edge(chart).addRoute('Pay', { rules: [{ backends: [Backend.service(stripe)] }] }), { code: 'BACKEND_NOT_IN_MESH', where: 'test/Edge/Pay', field: 'rules[0].backends[0]' });
      expect(f.fix).toContain('EgressGateway');
    });

    it('rejects a backend without a service, as a gateway route has none of its own', () => {
      expectFinding(() => edge(shopChart()).addRoute('Bare', { rules: [{ backends: [Backend.version('v1')] }] }), { code: 'INVALID', where: 'test/Edge/Bare', field: 'spec.rules[0].backends[0].name' });
    });

    it('refuses to redirect to HTTPS without an HTTP or an HTTPS listener', () => {
      expectFinding(() => edge(shopChart(), { listeners: [Listener.http(80)] }).redirectToHttps(), { code: 'NO_HTTPS_LISTENER', where: 'test/Edge', field: 'listeners' });
      expectFinding(() => edge(shopChart(), { listeners: [Listener.https(443, { certificates: shopTls })] }).redirectToHttps(), { code: 'NO_HTTP_LISTENER', where: 'test/Edge', field: 'listeners' });
    });

    it('refuses at synth a route that would answer on a redirected HTTP listener, and accepts it on the HTTPS listener', () => {
      const chart = shopChart();
      const reviews = reviewsService(chart);
      const gw = edge(chart);
      gw.redirectToHttps();
      const rules = [{ backends: [Backend.service(reviews)] }];
      gw.addRoute('Secure', { listener: gw.listeners[1], hostnames: ['shop.example.com'], rules });
      expect(validateMesh(chart)).toEqual([]);
      expect(() => Testing.synth(chart)).not.toThrow();
      gw.addRoute('Anywhere', { hostnames: ['shop.example.com'], rules });
      expect(() => Testing.synth(chart)).toThrow(/\[ROUTE_SHADOWS_REDIRECT\] test\/Edge\/Anywhere: listener is unset, so the route also attaches to http-80/);
    });

    it('redirects to a given HTTPS port served elsewhere', () => {
      const chart = shopChart();
      edge(chart, { listeners: [Listener.http(80)] }).redirectToHttps({ port: 8443 });
      expect(meshResources(chart).find((o) => o.kind === 'GatewayRoute').spec.rules[0].redirect.port).toBe(8443);
    });
  });
});
