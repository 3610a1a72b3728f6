import { describe, expect, it } from 'vitest';
import { translateForProxy } from '../../../lib/translate';
import { TypeUrl } from '../../../lib/xds';
import { instance, meshService, model, proxyless, resource, sidecar } from '../../support/controller-fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
const FQDN = 'reviews.default.svc.cluster.local';
const reviews = meshService('reviews', { versions: [{ name: 'v1', labels: { version: 'v1' } }] });
const web = meshService('web', { ports: [{ port: 8080, protocol: 'http' }] });
const policy = (spec: object) => resource('TrafficPolicy', 'reviews', { service: { name: 'reviews' }, ...spec });

function cluster(resources: ReturnType<typeof resource>[], name = `outbound|9080||${FQDN}`, proxy = sidecar('web', '127.0.0.5')): { cluster: Loose; issues: Loose[] } {
  const t = translateForProxy(model(...resources), [], proxy);
  return { cluster: t.clusters.find((c) => c['name'] === name), issues: [...t.issues] };
}

describe('clusters', () => {
  it('makes an EDS cluster over ADS for the whole service and one per version', () => {
    const t = translateForProxy(model(reviews), [], proxyless());
    expect(t.clusters.map((c) => c['name'])).toEqual([`outbound|9080||${FQDN}`, `outbound|9080|v1|${FQDN}`]);
    expect(t.clusters[1]).toMatchObject({ type: 'EDS', eds_cluster_config: { eds_config: { ads: {} }, service_name: `outbound|9080|v1|${FQDN}` }, lb_policy: 'ROUND_ROBIN' });
    // reviews' port is grpc: HTTP/2 upstream, in the v3 extension rather than the deprecated Cluster field.
    expect(t.clusters[1]!['http2_protocol_options']).toBeUndefined();
    expect(t.clusters[1]!['typed_extension_protocol_options']).toEqual({
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', explicit_http_config: { http2_protocol_options: {} } },
    });
  });

  it('uses LEAST_REQUEST for sidecars and round robin, reported, for proxyless clients', () => {
    const lr = policy({ loadBalancer: { type: 'LeastRequest', choiceCount: 3 } });
    expect(cluster([reviews, web, lr]).cluster).toMatchObject({ lb_policy: 'LEAST_REQUEST', least_request_lb_config: { choice_count: { value: 3 } } });
    const { cluster: c, issues } = cluster([reviews, lr], undefined, proxyless());
    expect(c.lb_policy).toBe('ROUND_ROBIN');
    expect(issues).toContainEqual(expect.objectContaining({ code: 'UNSUPPORTED_BY_PROXYLESS', where: 'TrafficPolicy default/reviews', field: 'spec.loadBalancer.type' }));
  });

  it('uses RING_HASH with xxHash and the ring size for consistent hashing', () => {
    const { cluster: c } = cluster([reviews, policy({ loadBalancer: { type: 'ConsistentHash', consistentHash: { header: 'x-user', minimumRingSize: 2048 } } })], undefined, proxyless());
    expect(c).toMatchObject({ lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: 2048 }, hash_function: 'XX_HASH' } });
  });

  it('turns connection pool limits and the retry budget into circuit breaker thresholds', () => {
    const { cluster: c, issues } = cluster([
      reviews,
      web,
      policy({
        connectionPool: { tcp: { maxConnections: 10, connectTimeout: '2s' }, http: { http1MaxPendingRequests: 5, http2MaxRequests: 100, maxRetries: 3, maxRequestsPerConnection: 7, idleTimeout: '30s' } },
        retryBudget: { retryRatio: 0.25, minRetriesPerSecond: 4 },
      }),
    ]);
    expect(c.circuit_breakers.thresholds).toEqual([
      { priority: 'DEFAULT', max_connections: { value: 10 }, max_pending_requests: { value: 5 }, max_requests: { value: 100 }, max_retries: { value: 3 }, retry_budget: { budget_percent: { value: 25 }, min_retry_concurrency: { value: 4 } } },
    ]);
    expect(c.connect_timeout).toEqual({ seconds: '2', nanos: 0 });
    expect(c.max_requests_per_connection).toEqual({ value: 7 });
    expect(c.common_http_protocol_options).toEqual({ idle_timeout: { seconds: '30', nanos: 0 } });
    expect(issues).toContainEqual(expect.objectContaining({ code: 'APPROXIMATED', field: 'retryBudget.ttl' }));
  });

  it('falls back to a route rule\'s budget, then to the mesh default', () => {
    const route = resource('TrafficRoute', 'reviews', { service: { name: 'reviews' }, rules: [{ backends: [{}], retry: { budget: { retryRatio: 0.5 } } }] });
    expect(cluster([reviews, web, route]).cluster.circuit_breakers.thresholds[0].retry_budget.budget_percent).toEqual({ value: 50 });
    const mesh = resource('Mesh', 'mesh', { retryBudget: { retryRatio: 0.1 } });
    expect(cluster([mesh, reviews, web]).cluster.circuit_breakers.thresholds[0].retry_budget.budget_percent.value).toBeCloseTo(10);
  });

  it('translates outlier detection, with the failure-percentage twin gRPC clients need', () => {
    const { cluster: c } = cluster([reviews, web, policy({ outlierDetection: { consecutive5xxErrors: 5, interval: '1s', baseEjectionTime: '30s', maxEjectionPercent: 50, minHealthPercent: 20 } })]);
    expect(c.outlier_detection).toEqual({
      interval: { seconds: '1', nanos: 0 },
      base_ejection_time: { seconds: '30', nanos: 0 },
      max_ejection_percent: { value: 50 },
      enforcing_success_rate: { value: 0 },
      consecutive_5xx: { value: 5 },
      enforcing_consecutive_5xx: { value: 100 },
      consecutive_gateway_failure: { value: 0 },
      enforcing_consecutive_gateway_failure: { value: 0 },
      failure_percentage_threshold: { value: 99 },
      enforcing_failure_percentage: { value: 100 },
      failure_percentage_request_volume: { value: 5 },
      failure_percentage_minimum_hosts: { value: 1 },
    });
    expect(c.common_lb_config).toEqual({ healthy_panic_threshold: { value: 20 } });
  });

  it('lets a version policy override the whole-service policy on that version\'s cluster only', () => {
    const whole = policy({ loadBalancer: { type: 'Random' } });
    const v1 = resource('TrafficPolicy', 'reviews-v1', { service: { name: 'reviews', version: 'v1' }, loadBalancer: { type: 'LeastRequest' } });
    expect(cluster([reviews, web, whole, v1]).cluster.lb_policy).toBe('RANDOM');
    expect(cluster([reviews, web, whole, v1], `outbound|9080|v1|${FQDN}`).cluster.lb_policy).toBe('LEAST_REQUEST');
  });

  it('originates mTLS from a sidecar with SDS secrets and the destination\'s SPIFFE id', () => {
    const socket = cluster([reviews, web]).cluster.transport_socket;
    expect(socket.name).toBe('envoy.transport_sockets.tls');
    expect(socket.typed_config).toMatchObject({
      '@type': TypeUrl.UpstreamTlsContext,
      sni: FQDN,
      common_tls_context: {
        tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: { ads: {} } }],
        combined_validation_context: {
          default_validation_context: { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: 'spiffe://cluster.local/ns/default/sa/reviews' } }] },
          validation_context_sds_secret_config: { name: 'ROOTCA' },
        },
      },
    });
  });

  it('speaks plaintext to destinations with mTLS disabled, without a sidecar, or from proxyless clients', () => {
    const disabled = resource('MtlsPolicy', 'off', { targetRef: { kind: 'MeshService', name: 'reviews' }, mode: 'DISABLE' });
    expect(cluster([reviews, web, disabled]).cluster.transport_socket).toBeUndefined();
    expect(cluster([meshService('reviews', { sidecar: { inject: false } }), web]).cluster.transport_socket).toBeUndefined();
    expect(cluster([reviews], undefined, proxyless()).cluster.transport_socket).toBeUndefined();
  });

  it('resolves an external service by DNS and originates TLS to it, checking its name', () => {
    const stripe = resource('ExternalService', 'stripe', { hosts: ['api.stripe.com'], ports: [{ port: 443, protocol: 'https' }], tls: { mode: 'ORIGINATE' } });
    const c = cluster([stripe, web], 'outbound|443||api.stripe.com').cluster;
    expect(c).toMatchObject({ type: 'LOGICAL_DNS', load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'api.stripe.com', port_value: 443 } } } }] }] } });
    expect(c.transport_socket.typed_config).toMatchObject({ sni: 'api.stripe.com', common_tls_context: { validation_context: { match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'api.stripe.com' } }] } } });
  });

  it('serves a STATIC external service from EDS with its listed addresses', () => {
    const legacy = resource('ExternalService', 'legacy', { hosts: ['legacy.corp'], ports: [{ port: 8080, protocol: 'http' }], resolution: 'STATIC', endpoints: [{ address: '10.0.0.1' }, { address: '10.0.0.2', port: 9000 }] });
    const t = translateForProxy(model(legacy), [], proxyless());
    expect(t.clusters[0]).toMatchObject({ name: 'outbound|8080||legacy.corp', type: 'EDS' });
    const addresses = (t.clusterLoadAssignments[0] as Loose).endpoints[0].lb_endpoints.map((e: Loose) => e.endpoint.address.socket_address);
    expect(addresses).toEqual([{ address: '10.0.0.1', port_value: 8080 }, { address: '10.0.0.2', port_value: 9000 }]);
  });
});

describe('endpoints', () => {
  it('puts every endpoint under a locality with non-zero weights and no duplicate address', () => {
    const workloads = [
      instance('reviews', '127.0.0.2', { version: 'v1' }, { locality: { zone: 'a' } }),
      instance('reviews', '127.0.0.3', {}, { locality: { zone: 'b' } }),
      { ...instance('reviews', '127.0.0.3'), name: 'duplicate', locality: { zone: 'b' } },
      instance('reviews', '127.0.0.4', {}, { ready: false }),
      instance('ratings', '127.0.0.6'),
    ];
    const cla = translateForProxy(model(reviews), workloads, proxyless()).clusterLoadAssignments.find((c) => c['cluster_name'] === `outbound|9080||${FQDN}`) as Loose;
    expect(cla.endpoints).toEqual([
      { locality: { zone: 'a' }, load_balancing_weight: { value: 1 }, lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.2', port_value: 9080 } } }, health_status: 'HEALTHY', load_balancing_weight: { value: 1 } }] },
      { locality: { zone: 'b' }, load_balancing_weight: { value: 1 }, lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.3', port_value: 9080 } } }, health_status: 'HEALTHY', load_balancing_weight: { value: 1 } }] },
    ]);
  });

  it('narrows a version cluster to the instances with the version labels', () => {
    const workloads = [instance('reviews', '127.0.0.2', { version: 'v1' }), instance('reviews', '127.0.0.3', { version: 'v2' })];
    const cla = translateForProxy(model(reviews), workloads, proxyless()).clusterLoadAssignments.find((c) => c['cluster_name'] === `outbound|9080|v1|${FQDN}`) as Loose;
    expect(cla.endpoints[0].lb_endpoints.map((e: Loose) => e.endpoint.address.socket_address.address)).toEqual(['127.0.0.2']);
  });

  it('reaches a sidecar-less instance on its target port, and any instance on its registered port', () => {
    const plain = meshService('reviews', { ports: [{ port: 9080, targetPort: 8080, protocol: 'grpc' }], sidecar: { inject: false } });
    const workloads = [instance('reviews', '127.0.0.2'), instance('reviews', '127.0.0.3', {}, { ports: { '9080': 40000 } })];
    const cla = translateForProxy(model(plain), workloads, proxyless()).clusterLoadAssignments[0] as Loose;
    expect(cla.endpoints[0].lb_endpoints.map((e: Loose) => e.endpoint.address.socket_address.port_value)).toEqual([8080, 40000]);
  });
});
