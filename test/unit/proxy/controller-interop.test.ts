import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { translateForProxy } from '../../../lib/translate';
import { packAny, TypeUrl } from '../../../lib/xds';
import { ClusterManager } from '../../../proxy/cluster/cluster-manager';
import { ConfigStore } from '../../../proxy/config/config-store';
import { createHttpChainBuilder } from '../../../proxy/filters/registry';
import { ProxyMetrics } from '../../../proxy/telemetry/metrics';
import { instance, meshService, model, resource, sidecar } from '../../support/controller-fixtures';

/**
 * The proxy and the controller meet only on the wire; this checks, without a socket, that the
 * proxy accepts (ACKs) everything the shared translation produces for a sidecar of a rich mesh.
 */
const mesh = model(
  resource('Mesh', 'mesh', { retryBudget: {} }),
  meshService('reviews', { versions: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }], ports: [{ port: 9080, protocol: 'http' }] }),
  meshService('ratings', { ports: [{ port: 9090, protocol: 'grpc' }] }),
  meshService('web', { ports: [{ port: 8080, protocol: 'http' }, { port: 5432, protocol: 'tcp' }], calls: [{ name: 'reviews' }, { name: 'ratings' }] }),
  resource('ExternalService', 'stripe', { hosts: ['api.stripe.com'], ports: [{ port: 443, protocol: 'https' }], tls: { mode: 'ORIGINATE' } }),
  resource('TrafficRoute', 'reviews', {
    service: { name: 'reviews' },
    rules: [
      {
        name: 'canary',
        matches: [{ path: { type: 'Prefix', value: '/api' }, headers: [{ name: 'x-user', value: 'jason' }], cookies: [{ name: 'a', value: 'b' }], queryParams: [{ name: 'q', type: 'Present' }] }],
        backends: [{ version: 'v2' }],
        fault: { abort: { httpStatus: 503, percent: 5 }, delay: { fixedDelay: '10ms' } },
        retry: { attempts: 3, retryOn: ['5xx', 'gateway-error', 'connect-failure'], perTryTimeout: '1s', backoff: { baseInterval: '10ms', maxInterval: '1s' } },
        timeout: '5s',
        mirror: { backend: { version: 'v1' }, percent: 10 },
        requestHeaders: { set: { 'x-a': 'b' }, remove: ['x-c'] },
        responseHeaders: { add: { 'x-d': 'e' } },
        rewrite: { path: { type: 'ReplacePrefixMatch', value: '/v2' }, authority: 'reviews.internal' },
      },
      { name: 'moved', matches: [{ path: { type: 'Exact', value: '/old' } }], redirect: { path: '/new', statusCode: 308 } },
      { name: 'teapot', matches: [{ method: 'DELETE' }], directResponse: { status: 418, body: 'no' } },
      { backends: [{ version: 'v1', weight: 80 }, { version: 'v2', weight: 20 }] },
    ],
  }),
  resource('TrafficPolicy', 'reviews', {
    service: { name: 'reviews' },
    loadBalancer: { type: 'ConsistentHash', consistentHash: { cookie: { name: 'sid', ttl: '1h', path: '/' } } },
    outlierDetection: { consecutive5xxErrors: 3, consecutiveGatewayErrors: 2 },
    connectionPool: { tcp: { maxConnections: 10, connectTimeout: '1s' }, http: { http1MaxPendingRequests: 1, http2MaxRequests: 100, maxRetries: 2 } },
  }),
  resource('TrafficPolicy', 'ratings', { service: { name: 'ratings' }, loadBalancer: { type: 'LeastRequest', choiceCount: 2 } }),
  resource('MtlsPolicy', 'web', { targetRef: { kind: 'MeshService', name: 'web' }, mode: 'STRICT', portLevel: [{ port: 5432, mode: 'PERMISSIVE' }] }),
  resource('AccessPolicy', 'deny', { targetRef: { kind: 'MeshService', name: 'web' }, action: 'DENY', rules: [{ from: [{ notNamespaces: ['prod'] }], to: [{ notMethods: ['GET'], notPaths: ['*/secret'] }] }] }),
  resource('AccessPolicy', 'allow', { targetRef: { kind: 'MeshService', name: 'web' }, rules: [{ from: [{ requestPrincipals: ['*'] }], when: [{ key: 'request.auth.claims[groups]', values: ['admin'] }] }] }),
  resource('AccessPolicy', 'audit', { targetRef: { kind: 'Namespace' }, action: 'AUDIT', rules: [{}] }),
  resource('JwtPolicy', 'jwt', { targetRef: { kind: 'MeshService', name: 'web' }, rules: [{ issuer: 'https://issuer', jwksUri: 'https://issuer/jwks.json', fromParams: ['t'] }, { issuer: 'local', jwks: '{"keys":[]}' }] }),
  resource('RateLimit', 'web', { targetRef: { kind: 'MeshService', name: 'web' }, local: { tokens: 10, fillInterval: '1s' }, response: { headers: { 'x-limited': '1' } } }),
  resource('Telemetry', 'mesh', { targetRef: { kind: 'Mesh' }, tracing: { samplingPercent: 5 }, accessLogs: {} }),
);
const workloads = [instance('reviews', '127.0.0.2', { version: 'v1' }), instance('reviews', '127.0.0.3', { version: 'v2' }), instance('ratings', '127.0.0.5'), instance('web', '127.0.0.4')];

describe('the proxy accepts what the controller translates', () => {
  for (const [workload, ip] of [['web', '127.0.0.4'], ['reviews', '127.0.0.2'], ['ratings', '127.0.0.5']] as const) {
    it(`ACKs every resource type sent to the ${workload} sidecar, in ADS order`, () => {
      const translation = translateForProxy(mesh, workloads, sidecar(workload, ip));
      const metrics = new ProxyMetrics();
      const store = new ConfigStore(createHttpChainBuilder({ logger: pino({ level: 'silent' }), metrics }), new ClusterManager(metrics));
      const apply = (typeUrl: string, messages: readonly object[]) =>
        store.apply(typeUrl, '1', messages.map((message) => packAny(typeUrl, message)));
      expect(apply(TypeUrl.Cluster, translation.clusters)).toBeUndefined();
      expect(apply(TypeUrl.ClusterLoadAssignment, translation.clusterLoadAssignments)).toBeUndefined();
      expect(apply(TypeUrl.Listener, translation.listeners)).toBeUndefined();
      expect(apply(TypeUrl.RouteConfiguration, translation.routeConfigurations)).toBeUndefined();
      expect([...store.current.listeners.keys()].some((name) => name.startsWith(`inbound_${ip}_`))).toBe(true);
      expect(store.wanted().secrets).toEqual(['ROOTCA', 'default']);
    });
  }
});
