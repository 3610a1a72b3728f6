import { describe, expect, it } from 'vitest';
import { translateForProxy, translateInbound, type EnvoyMessage } from '../../../lib/translate';
import { TypeUrl } from '../../../lib/xds';
import { instance, meshService, model, proxyless, resource, sidecar } from '../../support/controller-fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
const web = meshService('web', { ports: [{ port: 8080, protocol: 'http' }, { port: 5432, protocol: 'tcp' }] });
const target = { kind: 'MeshService', name: 'web' };

function inbound(resources: ReturnType<typeof resource>[], port = 8080): { listener: Loose; issues: Loose[]; clusters: Loose[] } {
  const t = translateForProxy(model(web, ...resources), [instance('web', '127.0.0.4', {}, { app: { address: '127.0.0.4', ports: { '8080': 18080 } } })], sidecar('web', '127.0.0.4'));
  return { listener: t.listeners.find((l) => l['name'] === `inbound_127.0.0.4_${port}`), issues: [...t.issues], clusters: t.clusters };
}
const hcmOf = (chain: Loose) => chain.filters[0].typed_config;
const filterNames = (chain: Loose) => hcmOf(chain).http_filters.map((f: EnvoyMessage) => f['name']);

describe('inbound listener in a pod with traffic capture', () => {
  const captured = (inboundPorts: Record<string, number>) =>
    translateForProxy(model(web), [instance('web', '10.1.0.4')], sidecar('web', '10.1.0.4', { OUTBOUND_IP: '127.0.0.6', INBOUND_PORTS: inboundPorts, OUTBOUND_PORTS: { '8080': 15300 } }));

  it('binds each service port on the proxy port its target port is redirected to, and sends to the app on localhost at the target port', () => {
    const t = captured({ '8080': 15100, '5432': 15101 });
    const listener = t.listeners.find((l) => l['name'] === 'inbound_10.1.0.4_8080') as Loose;
    expect(listener.address.socket_address).toEqual({ address: '10.1.0.4', port_value: 15100 });
    expect((t.listeners.find((l) => l['name'] === 'inbound_10.1.0.4_5432') as Loose).address.socket_address.port_value).toBe(15101);
    const app = t.clusters.find((c) => c['name'] === 'inbound|8080||') as Loose;
    expect(app.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 8080 });
    expect(t.issues).toEqual([]);
  });

  it('binds the outbound listener of a port the app itself listens on at its remapped port; other ports keep theirs', () => {
    const t = translateForProxy(model(web, meshService('db', { ports: [{ port: 5432, protocol: 'tcp' }] }), meshService('api', { ports: [{ port: 8080, protocol: 'http' }, { port: 9000, protocol: 'http' }] })), [], sidecar('web', '10.1.0.4', { OUTBOUND_IP: '127.0.0.6', INBOUND_PORTS: { '8080': 15100 }, OUTBOUND_PORTS: { '8080': 15300 } }));
    const bound = Object.fromEntries(t.listeners.filter((l) => String(l['name']).startsWith('0.0.0.0_')).map((l: Loose) => [l.name, l.address.socket_address]));
    expect(bound).toEqual({ '0.0.0.0_5432': { address: '127.0.0.6', port_value: 5432 }, '0.0.0.0_8080': { address: '127.0.0.6', port_value: 15300 }, '0.0.0.0_9000': { address: '127.0.0.6', port_value: 9000 } });
  });

  it('passes a captured port no service port targets straight through to the app, as plain TCP', () => {
    const t = captured({ '8080': 15100, '5432': 15101, '9102': 15102 });
    const listener = t.listeners.find((l) => l['name'] === 'inbound|passthrough|9102') as Loose;
    expect(listener.address.socket_address).toEqual({ address: '10.1.0.4', port_value: 15102 });
    expect(listener.filter_chains).toHaveLength(1);
    expect(listener.filter_chains[0].transport_socket).toBeUndefined();
    expect(listener.filter_chains[0].filters[0].typed_config).toMatchObject({ '@type': TypeUrl.TcpProxy, cluster: 'inbound|passthrough|9102' });
    const app = t.clusters.find((c) => c['name'] === 'inbound|passthrough|9102') as Loose;
    expect(app.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 9102 });
  });

  it('gives a service port whose target the pod does not capture no listener, and says how to fix it', () => {
    const t = captured({ '8080': 15100 });
    expect(t.listeners.some((l) => l['name'] === 'inbound_10.1.0.4_5432')).toBe(false);
    expect(t.issues).toEqual([
      expect.objectContaining({ code: 'PORT_NOT_CAPTURED', severity: 'rejected', where: 'MeshService default/web', field: 'spec.ports', message: expect.stringContaining('declare containerPort 5432') }),
    ]);
  });
});

describe('inbound listener', () => {
  it('binds each port of the workload on its instance IP and routes to the application', () => {
    const { listener, clusters } = inbound([]);
    expect(listener.address.socket_address).toEqual({ address: '127.0.0.4', port_value: 8080 });
    expect(hcmOf(listener.filter_chains.at(-1)).route_config.virtual_hosts[0].routes[0].route.cluster).toBe('inbound|8080||');
    const app = clusters.find((c) => c.name === 'inbound|8080||');
    expect(app).toMatchObject({ type: 'STATIC', load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.4', port_value: 18080 } } } }] }] } });
  });

  it('accepts mTLS and plaintext under PERMISSIVE (the mesh default) with a TLS inspector', () => {
    const { listener } = inbound([]);
    expect(listener.listener_filters[0].name).toBe('envoy.filters.listener.tls_inspector');
    expect(listener.filter_chains).toHaveLength(2);
    expect(listener.filter_chains[0].filter_chain_match).toEqual({ transport_protocol: 'tls' });
    expect(listener.filter_chains[0].transport_socket.typed_config).toMatchObject({
      '@type': TypeUrl.DownstreamTlsContext,
      require_client_certificate: { value: true },
      common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'default' }], validation_context_sds_secret_config: { name: 'ROOTCA' } },
    });
    expect(listener.filter_chains[1].transport_socket).toBeUndefined();
  });

  it('accepts only mTLS under STRICT and only plaintext under DISABLE, port level winning', () => {
    const strict = resource('MtlsPolicy', 'strict', { targetRef: target, mode: 'STRICT', portLevel: [{ port: 5432, mode: 'DISABLE' }] });
    const onHttp = inbound([strict]).listener;
    expect(onHttp.filter_chains).toHaveLength(1);
    expect(onHttp.filter_chains[0].transport_socket).toBeDefined();
    const onTcp = inbound([strict], 5432).listener;
    expect(onTcp.filter_chains).toHaveLength(1);
    expect(onTcp.filter_chains[0].transport_socket).toBeUndefined();
  });

  it('runs jwt_authn, then RBAC (audit, deny, allow), then the rate limit, with the Router last', () => {
    const { listener } = inbound([
      resource('JwtPolicy', 'jwt', { targetRef: target, rules: [{ issuer: 'https://issuer.example', jwks: '{"keys":[]}' }] }),
      resource('AccessPolicy', 'allow', { targetRef: target, rules: [{}] }),
      resource('AccessPolicy', 'deny', { targetRef: target, action: 'DENY', rules: [{ to: [{ paths: ['/admin/*'] }] }] }),
      resource('AccessPolicy', 'audit', { targetRef: target, action: 'AUDIT', rules: [{}] }),
      resource('RateLimit', 'rl', { targetRef: target, local: { tokens: 10, fillInterval: '1s' } }),
    ]);
    const chain = listener.filter_chains.at(-1);
    expect(filterNames(chain)).toEqual(['envoy.filters.http.jwt_authn', 'envoy.filters.http.rbac', 'envoy.filters.http.rbac', 'envoy.filters.http.rbac', 'envoy.filters.http.local_ratelimit', 'envoy.filters.http.router']);
    expect(hcmOf(chain).http_filters.slice(1, 4).map((f: Loose) => f.typed_config.rules.action)).toEqual(['LOG', 'DENY', 'ALLOW']);
  });

  it('denies everything for a workload selected by an ALLOW policy without rules', () => {
    const { listener } = inbound([resource('AccessPolicy', 'nothing', { targetRef: target, action: 'ALLOW' })]);
    const rbac = hcmOf(listener.filter_chains.at(-1)).http_filters[0].typed_config;
    expect(rbac).toEqual({ '@type': TypeUrl.Rbac, rules: { action: 'ALLOW', policies: {} } });
  });

  it('matches sources by SPIFFE principal, service account and namespace, and operations by method, path and port', () => {
    const { listener } = inbound([
      resource('AccessPolicy', 'allow', {
        targetRef: target,
        rules: [{ from: [{ serviceAccounts: ['reviews'], namespaces: ['prod'] }, { principals: ['cluster.local/ns/ops/sa/*'] }], to: [{ methods: ['GET'], paths: ['/api/*'], ports: [8080] }], when: [{ key: 'request.headers[x-tenant]', values: ['a'] }] }],
      }),
    ]);
    const policy = Object.values(hcmOf(listener.filter_chains.at(-1)).http_filters[0].typed_config.rules.policies)[0] as Loose;
    expect(policy.principals).toEqual([
      {
        or_ids: {
          ids: [
            { and_ids: { ids: [{ authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/default/sa/reviews' } } }, { authenticated: { principal_name: { safe_regex: { regex: 'spiffe://[^/]+/ns/prod/sa/[^/]+' } } } }] } },
            { authenticated: { principal_name: { prefix: 'spiffe://cluster.local/ns/ops/sa/' } } },
          ],
        },
      },
    ]);
    expect(policy.permissions).toEqual([
      {
        and_rules: {
          rules: [
            { and_rules: { rules: [{ header: { name: ':method', string_match: { exact: 'GET' } } }, { url_path: { path: { prefix: '/api/' } } }, { destination_port: 8080 }] } },
            { header: { name: 'x-tenant', string_match: { exact: 'a' } } },
          ],
        },
      },
    ]);
  });

  it('reads JWT claims and request principals from the payload jwt_authn stores', () => {
    const { listener } = inbound([
      resource('JwtPolicy', 'jwt', { targetRef: target, rules: [{ issuer: 'https://issuer.example', jwksUri: 'https://issuer.example/jwks.json', audiences: ['web'], forwardOriginalToken: true }], required: false }),
      resource('AccessPolicy', 'allow', { targetRef: target, rules: [{ from: [{ requestPrincipals: ['https://issuer.example/alice'] }], when: [{ key: 'request.auth.claims[groups]', values: ['admin'] }] }] }),
    ]);
    const filters = hcmOf(listener.filter_chains.at(-1)).http_filters;
    const jwt = filters[0].typed_config;
    const provider = Object.values(jwt.providers)[0] as Loose;
    expect(provider).toMatchObject({ issuer: 'https://issuer.example', audiences: ['web'], forward: true, payload_in_metadata: 'payload', remote_jwks: { http_uri: { uri: 'https://issuer.example/jwks.json', cluster: 'jwks|issuer.example|443' } } });
    expect(jwt.rules[0].requires.requires_any.requirements.at(-1)).toEqual({ allow_missing: {} });
    const principal = (Object.values(filters[1].typed_config.rules.policies)[0] as Loose).principals[0].and_ids.ids;
    expect(principal[0].and_ids.ids[0].metadata).toMatchObject({ filter: 'envoy.filters.http.jwt_authn', path: [{ key: 'payload' }, { key: 'iss' }] });
    expect(principal[1].metadata.path).toEqual([{ key: 'payload' }, { key: 'groups' }]);
  });

  it('gives the JWKS fetch its own cluster', () => {
    const { clusters } = inbound([resource('JwtPolicy', 'jwt', { targetRef: target, rules: [{ issuer: 'i', jwksUri: 'https://keys.example:8443/jwks' }] })]);
    expect(clusters.find((c) => c.name === 'jwks|keys.example|8443')).toMatchObject({ type: 'LOGICAL_DNS', transport_socket: { name: 'envoy.transport_sockets.tls' } });
  });

  it('limits with a token bucket, the most specific RateLimit winning', () => {
    const { listener } = inbound([
      resource('RateLimit', 'mesh', { targetRef: { kind: 'Mesh' }, local: { tokens: 1000, fillInterval: '1s' } }),
      resource('RateLimit', 'web', { targetRef: target, local: { tokens: 10, fillInterval: '500ms', tokensPerFill: 5 }, response: { status: 503, headers: { 'retry-after': '1' } } }),
    ]);
    const rl = hcmOf(listener.filter_chains.at(-1)).http_filters[0].typed_config;
    expect(rl).toMatchObject({ status: { code: 503 }, token_bucket: { max_tokens: 10, tokens_per_fill: { value: 5 }, fill_interval: { seconds: '0', nanos: 500_000_000 } } });
    expect(rl.response_headers_to_add).toEqual([{ header: { key: 'retry-after', value: '1' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }]);
  });

  it('samples traces on the connection manager and carries the rest of Telemetry as listener metadata', () => {
    const { listener } = inbound([resource('Telemetry', 'tel', { targetRef: { kind: 'Mesh' }, tracing: { samplingPercent: 5, otlpEndpoint: 'http://otel:4318' }, accessLogs: { format: 'text' } })]);
    expect(hcmOf(listener.filter_chains.at(-1)).tracing).toEqual({ random_sampling: { value: 5 }, custom_tags: [] });
    const meta = listener.metadata.filter_metadata['meshform.dev/telemetry'].fields;
    expect(meta.tracing.structValue.fields.otlpEndpoint).toEqual({ stringValue: 'http://otel:4318' });
    expect(meta.accessLogs.structValue.fields.format).toEqual({ stringValue: 'text' });
  });

  it('asks for the SDS secrets default and ROOTCA for a sidecar, none for a proxyless client', () => {
    expect(translateForProxy(model(web), [], sidecar('web', '127.0.0.4')).secretNames).toEqual(['default', 'ROOTCA']);
    expect(translateForProxy(model(web), [], proxyless()).secretNames).toEqual([]);
  });
});

describe('inbound translation across generations', () => {
  it('translates a proxy\'s inbound side again only when the model or its own workload changed', () => {
    const mesh = model(meshService('reviews'), meshService('ratings'));
    const proxy = sidecar('reviews', '127.0.0.2');
    const own = instance('reviews', '127.0.0.2');
    const first = translateInbound(mesh, [own, instance('ratings', '127.0.0.3')], proxy);
    expect(translateInbound(mesh, [own, instance('ratings', '127.0.0.9')], proxy)).toBe(first);
    const relocated = instance('reviews', '127.0.0.2', {}, { app: { address: '127.0.0.50' } });
    const moved = translateInbound(mesh, [relocated], proxy);
    expect(moved).not.toBe(first);
    expect(JSON.stringify(moved.clusters)).toContain('127.0.0.50');
    expect(translateInbound(model(meshService('reviews')), [relocated], proxy)).not.toBe(moved);
  });
});
