import { instance, meshService, model, resource } from './controller-fixtures';

/**
 * A mesh using every kind and most fields: what the wire tests encode, and what the proxy must
 * accept from the translation.
 */
export const richMesh = model(
  resource('Mesh', 'mesh', { retryBudget: {} }),
  meshService('reviews', { versions: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] }),
  meshService('ratings', { ports: [{ port: 9090, protocol: 'grpc' }] }),
  meshService('web', { ports: [{ port: 8080, protocol: 'http' }, { port: 5432, protocol: 'tcp' }] }),
  resource('ExternalService', 'stripe', { hosts: ['api.stripe.com'], ports: [{ port: 443, protocol: 'https' }], tls: { mode: 'ORIGINATE' } }),
  resource('ExternalService', 'bank', { hosts: ['bank.example'], ports: [{ port: 8443, protocol: 'tls' }] }),
  resource('TrafficRoute', 'reviews', {
    service: { name: 'reviews' },
    rules: [
      {
        name: 'canary',
        matches: [{ path: { type: 'Prefix', value: '/api' }, headers: [{ name: 'x-user', value: 'jason' }], cookies: [{ name: 'a', value: 'b' }], queryParams: [{ name: 'q', type: 'Present' }] }],
        backends: [{ version: 'v2' }],
        fault: { abort: { httpStatus: 503, percent: 5 }, delay: { fixedDelay: '10ms' } },
        retry: { attempts: 3, retryOn: ['5xx', 'gateway-error', 'connect-failure', '503'], perTryTimeout: '1s', backoff: { baseInterval: '10ms', maxInterval: '1s' } },
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
    connectionPool: { tcp: { maxConnections: 10, connectTimeout: '1s' }, http: { http1MaxPendingRequests: 1, http2MaxRequests: 100, maxRetries: 2, maxRequestsPerConnection: 5, idleTimeout: '10s' } },
  }),
  resource('TrafficPolicy', 'web', { service: { name: 'web' }, loadBalancer: { type: 'LeastRequest', choiceCount: 2 } }),
  resource('TrafficPolicy', 'ratings', { service: { name: 'ratings' }, loadBalancer: { type: 'LeastRequest', choiceCount: 2 } }),
  resource('MtlsPolicy', 'web', { targetRef: { kind: 'MeshService', name: 'web' }, mode: 'STRICT', portLevel: [{ port: 5432, mode: 'PERMISSIVE' }] }),
  resource('AccessPolicy', 'deny', { targetRef: { kind: 'MeshService', name: 'web' }, action: 'DENY', rules: [{ from: [{ notNamespaces: ['prod'], notPrincipals: ['x/*'] }], to: [{ notMethods: ['GET'], notPaths: ['*/secret'] }], when: [{ key: 'request.headers[x-a]', values: ['1'], notValues: ['2'] }, { key: 'source.namespace', values: ['a'] }] }] }),
  resource('AccessPolicy', 'allow', { targetRef: { kind: 'MeshService', name: 'web' }, rules: [{ from: [{ requestPrincipals: ['*'], notRequestPrincipals: ['iss/bad'] }], when: [{ key: 'request.auth.claims[groups][0]', values: ['admin'] }, { key: 'request.auth.principal', notValues: ['iss/eve'] }, { key: 'source.principal', values: ['cluster.local/ns/a/sa/b'] }] }] }),
  resource('AccessPolicy', 'audit', { targetRef: { kind: 'Namespace' }, action: 'AUDIT', rules: [{}] }),
  resource('JwtPolicy', 'jwt', { targetRef: { kind: 'MeshService', name: 'web' }, rules: [{ issuer: 'https://issuer', jwksUri: 'https://issuer/jwks.json', fromParams: ['t'], fromCookies: ['c'], outputClaimToHeaders: [{ header: 'x-sub', claim: 'sub' }] }, { issuer: 'local', jwks: '{"keys":[]}' }] }),
  resource('RateLimit', 'web', { targetRef: { kind: 'MeshService', name: 'web' }, local: { tokens: 10, fillInterval: '1s' }, response: { headers: { 'x-limited': '1' } } }),
  resource('Telemetry', 'mesh', { targetRef: { kind: 'Mesh' }, tracing: { samplingPercent: 5, customTags: { user: { header: 'x-user' } } }, metrics: { histogramBucketsMs: [1, 10] }, accessLogs: {} }),
  resource('Canary', 'reviews', { service: { name: 'reviews' }, route: 'reviews', stableVersion: 'v1', canaryVersion: 'v2', analysis: {} }),
);
export const richWorkloads = [instance('reviews', '127.0.0.2', { version: 'v1' }), instance('reviews', '127.0.0.3', { version: 'v2' }), instance('ratings', '127.0.0.5'), instance('web', '127.0.0.4')];
