import { compact, draft, durationText, labelName, readMetadata, serviceOfHost, type Converted, type Draft, type ImportContext } from './import-context';
import type { Fields, SourceObject } from './source-fields';

const SIMPLE_LB: Record<string, string> = { ROUND_ROBIN: 'RoundRobin', LEAST_REQUEST: 'LeastRequest', LEAST_CONN: 'LeastRequest', RANDOM: 'Random' };

function loadBalancerOf(lb: Fields): Record<string, unknown> | undefined {
  lb.drop('localityLbSetting', 'Meshform has no localities');
  lb.drop('warmupDurationSecs', 'Meshform has no slow-start warm-up');
  lb.drop('warmup', 'Meshform has no slow-start warm-up');
  if (lb.has('simple')) {
    const simple = lb.string('simple')!;
    if (simple === 'LEAST_CONN') lb.source.note('differs', lb.at('simple'), 'LEAST_CONN is the deprecated name of LEAST_REQUEST');
    if (SIMPLE_LB[simple]) return { type: SIMPLE_LB[simple] };
    lb.source.note('dropped', lb.at('simple'), `${simple} has no Meshform load balancer`);
    return undefined;
  }
  const ch = lb.object('consistentHash');
  if (!ch) return undefined;
  const cookie = ch.object('httpCookie');
  const ring = ch.object('ringHash');
  const maglev = ch.object('maglev');
  maglev?.drop('tableSize', 'Meshform sizes the Maglev table itself');
  const hash = compact({
    header: ch.string('httpHeaderName')?.toLowerCase(),
    cookie: cookie ? compact({ name: cookie.string('name'), ttl: cookie.has('ttl') ? durationText(cookie.string('ttl')!) : undefined, path: cookie.string('path') }) : undefined,
    sourceIp: ch.boolean('useSourceIp'),
    queryParam: ch.string('httpQueryParameterName'),
    algorithm: maglev ? 'Maglev' : undefined,
    minimumRingSize: ring?.number('minimumRingSize') ?? ch.number('minimumRingSize'),
  });
  cookie?.drop('attributes', 'Meshform sets no extra cookie attributes');
  return { type: 'ConsistentHash', consistentHash: hash };
}

function connectionPoolOf(cp: Fields): Record<string, unknown> {
  const tcp = cp.object('tcp');
  const http = cp.object('http');
  tcp?.drop('tcpKeepalive', 'Meshform does not set TCP keepalive');
  tcp?.drop('maxConnectionDuration', 'Meshform does not limit connection lifetime');
  tcp?.drop('idleTimeout', 'Meshform sets idle timeouts on HTTP connections only');
  http?.drop('h2UpgradePolicy', 'Meshform speaks HTTP/2 upstream when the port protocol says so');
  http?.drop('useClientProtocol', 'Meshform speaks the port\'s protocol upstream');
  http?.drop('maxConcurrentStreams', 'Meshform does not limit HTTP/2 streams per connection');
  const d = (f: Fields | undefined, k: string) => (f?.has(k) ? durationText(f.string(k)!) : undefined);
  const tcpOut = compact({ maxConnections: tcp?.number('maxConnections'), connectTimeout: d(tcp, 'connectTimeout') });
  const httpOut = compact({
    http1MaxPendingRequests: http?.number('http1MaxPendingRequests'),
    http2MaxRequests: http?.number('http2MaxRequests'),
    maxRequestsPerConnection: http?.number('maxRequestsPerConnection'),
    maxRetries: http?.number('maxRetries'),
    idleTimeout: d(http, 'idleTimeout'),
  });
  return compact({ tcp: Object.keys(tcpOut).length ? tcpOut : undefined, http: Object.keys(httpOut).length ? httpOut : undefined });
}

function outlierOf(od: Fields): Record<string, unknown> {
  od.drop('consecutiveLocalOriginFailures', 'Meshform counts connection failures with the 5xx ones');
  od.drop('splitExternalLocalOriginErrors', 'Meshform counts connection failures with the 5xx ones');
  const d = (k: string) => (od.has(k) ? durationText(od.string(k)!) : undefined);
  if (od.has('consecutiveErrors')) od.source.note('differs', od.at('consecutiveErrors'), 'the deprecated consecutiveErrors counted 502/503/504 only: imported as consecutiveGatewayErrors');
  return compact({
    consecutive5xxErrors: od.number('consecutive5xxErrors'),
    consecutiveGatewayErrors: od.number('consecutiveGatewayErrors') ?? od.number('consecutiveErrors'),
    interval: d('interval'),
    baseEjectionTime: d('baseEjectionTime'),
    maxEjectionPercent: od.number('maxEjectionPercent'),
    minHealthPercent: od.number('minHealthPercent'),
  });
}

/** The parts of an Istio TrafficPolicy a Meshform TrafficPolicy holds; TLS origination for an external host separately. */
function policyOf(tp: Fields, external: boolean): { spec: Record<string, unknown>; tls?: Record<string, unknown> } {
  tp.drop('portLevelSettings', 'Meshform policies apply to every port of a service');
  tp.drop('tunnel', 'Meshform does not tunnel');
  tp.drop('proxyProtocol', 'Meshform does not send PROXY protocol');
  tp.drop('retryBudget', 'Istio\'s retry budget limits concurrent retries (Envoy), Meshform\'s the share of retries (Linkerd); set retryBudget on the TrafficPolicy');
  let tls: Record<string, unknown> | undefined;
  const t = tp.object('tls');
  if (t) {
    const mode = t.string('mode');
    if (external && mode === 'SIMPLE') {
      tls = compact({ mode: 'ORIGINATE', sni: t.string('sni') });
      t.drop('caCertificates', 'Istio names a file on the proxy; Meshform takes the PEM itself (tls.caCertificates)');
    } else if (mode === 'ISTIO_MUTUAL' && !external) {
      t.source.note('differs', t.at('mode'), 'Meshform sidecars always speak mTLS to meshed services; the server side decides with an MtlsPolicy');
    } else {
      t.source.note('dropped', t.at('mode'), `TLS mode ${mode ?? 'unset'} ${external ? 'to an external host' : 'to a mesh service'} has no Meshform equivalent`);
    }
    for (const k of ['clientCertificate', 'privateKey', 'credentialName', 'subjectAltNames', 'insecureSkipVerify', 'caCrl', 'sni']) t.drop(k, 'Meshform manages client certificates and verification itself');
  }
  const lb = tp.object('loadBalancer');
  const cp = tp.object('connectionPool');
  const od = tp.object('outlierDetection');
  return {
    spec: compact({ loadBalancer: lb ? loadBalancerOf(lb) : undefined, connectionPool: cp ? connectionPoolOf(cp) : undefined, outlierDetection: od ? outlierOf(od) : undefined }),
    ...(tls ? { tls } : {}),
  };
}

/** Istio DestinationRule → versions of a MeshService, and a TrafficPolicy per policy it sets (the host's, and each subset's). */
export function importDestinationRule(source: SourceObject, ctx: ImportContext): Converted {
  const root = source.root();
  const meta = readMetadata(root);
  const spec = root.object('spec');
  if (!spec) return { resources: [], services: [] };
  spec.drop('exportTo', 'Meshform policies are visible mesh-wide');
  spec.drop('workloadSelector', 'Meshform policies apply to every caller of the service');
  const host = spec.string('host') ?? '';
  const svc = serviceOfHost(host, meta.namespace, ctx);
  if (!svc) {
    spec.dropAll(`"${host}" is neither a service of the cluster nor a host a ServiceEntry declares`);
    return { resources: [], services: [] };
  }
  const resources: Draft[] = [];
  const service = compact({ name: svc.name, namespace: svc.namespace === meta.namespace ? undefined : svc.namespace });
  const base = spec.object('trafficPolicy');
  const top = base ? policyOf(base, svc.external) : undefined;
  if (top && Object.keys(top.spec).length) resources.push(draft('TrafficPolicy', meta.name, meta.namespace, { service, ...top.spec }, meta));
  const versions = spec.list('subsets').map((s) => {
    const name = labelName(s.string('name') ?? 'subset', s, s.at('name'));
    const tp = s.object('trafficPolicy');
    const own = tp ? policyOf(tp, svc.external) : undefined;
    // Istio's subset policy overrides the host's field by field, as a Meshform version policy does.
    if (own && Object.keys(own.spec).length) resources.push(draft('TrafficPolicy', `${meta.name}-${name}`.slice(0, 63), meta.namespace, { service: { ...service, version: name }, ...own.spec }, meta));
    return { name, labels: s.record('labels') ?? {} };
  });
  if (svc.external) {
    if (versions.length) source.note('dropped', 'spec.subsets', 'an ExternalService has no versions');
    return { resources, services: top?.tls ? [{ name: svc.name, namespace: svc.namespace, external: { tls: top.tls } }] : [] };
  }
  return { resources, services: [{ name: svc.name, namespace: svc.namespace, versions }] };
}
