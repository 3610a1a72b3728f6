import type { MeshResource, SpecOf } from '../api/kinds';
import { serviceFqdn } from '../naming/names';
import { cookieRegex, WHOLE_PATH } from './istio-virtual-service';
import type { MigrationNote } from './report';

type K8sObject = Record<string, unknown> & { metadata: { name: string; namespace?: string; annotations?: Record<string, string> } };
type Rule = SpecOf<'TrafficRoute'>['rules'][number];

/** Meshform-only fields of a MeshService, kept as annotations of its Kubernetes Service (Istio ignores them). */
export const SERVICE_ANNOTATIONS = { serviceAccount: 'meshform.dev/service-account', calls: 'meshform.dev/calls', inject: 'meshform.dev/sidecar-inject', replicas: 'meshform.dev/replicas' } as const;

/** Where Istio keeps mesh-wide policies. */
export const ISTIO_ROOT_NAMESPACE = 'istio-system';

const APP_PROTOCOL: Record<string, string> = { http: 'http', http2: 'kubernetes.io/h2c', grpc: 'grpc', tcp: 'tcp' };
const LB: Record<string, string> = { RoundRobin: 'ROUND_ROBIN', LeastRequest: 'LEAST_REQUEST', Random: 'RANDOM' };

function object(apiVersion: string, kind: string, name: string, namespace: string | undefined, spec: Record<string, unknown>, annotations?: Record<string, string>): K8sObject {
  return { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), ...(annotations && Object.keys(annotations).length ? { annotations } : {}) }, spec };
}

function defined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0))) as T;
}

/** The default port name Meshform describes: protocol and number. */
export const defaultPortName = (protocol: string, port: number) => `${protocol}-${port}`;

/**
 * Meshform resources → Istio resources (and the Kubernetes Services of the MeshServices), so a mesh
 * can leave. `meshform import` reads the result back to the same resources; what Istio cannot say is
 * in the notes.
 */
export function exportToIstio(resources: readonly MeshResource[]): { objects: K8sObject[]; notes: MigrationNote[] } {
  const notes: MigrationNote[] = [];
  const note = (r: MeshResource, field: string, why: string, severity: MigrationNote['severity'] = 'dropped') =>
    notes.push({ severity, file: '(export)', object: `${r.kind} ${r.metadata.namespace ? `${r.metadata.namespace}/` : ''}${r.metadata.name}`, field, why });
  const nsOf = (r: MeshResource) => r.metadata.namespace ?? 'default';
  const services = resources.filter((r): r is MeshResource<'MeshService'> => r.kind === 'MeshService');
  const externals = resources.filter((r): r is MeshResource<'ExternalService'> => r.kind === 'ExternalService');
  const hostOf = (name: string | undefined, namespace: string | undefined, own: { name: string; namespace: string }) => {
    const ns = namespace ?? own.namespace;
    const ext = externals.find((e) => e.metadata.name === (name ?? own.name) && nsOf(e) === ns);
    return ext ? ext.spec.hosts[0]! : serviceFqdn(name ?? own.name, ns);
  };
  const selectorOf = (r: MeshResource, ref: { kind: string; name?: string; namespace?: string }): Record<string, unknown> | undefined => {
    if (ref.kind !== 'MeshService') return undefined;
    const svc = services.find((s) => s.metadata.name === ref.name && nsOf(s) === (ref.namespace ?? nsOf(r)));
    if (ref.namespace && ref.namespace !== nsOf(r)) note(r, 'spec.targetRef.namespace', 'an Istio policy selects workloads of its own namespace: it is written into the target\'s namespace', 'differs');
    return { matchLabels: svc?.spec.selector ?? { app: ref.name } };
  };
  const policyPlace = (r: MeshResource & { spec: { targetRef: { kind: string; namespace?: string } } }) =>
    r.spec.targetRef.kind === 'Mesh' ? ISTIO_ROOT_NAMESPACE : (r.spec.targetRef.namespace ?? nsOf(r));
  const out: K8sObject[] = [];
  const policies = resources.filter((r): r is MeshResource<'TrafficPolicy'> => r.kind === 'TrafficPolicy');

  for (const r of resources) {
    switch (r.kind) {
      case 'MeshService': {
        const s = (r as MeshResource<'MeshService'>).spec;
        const annotations: Record<string, string> = {};
        if (s.serviceAccount) annotations[SERVICE_ANNOTATIONS.serviceAccount] = s.serviceAccount;
        if (s.calls.length) annotations[SERVICE_ANNOTATIONS.calls] = s.calls.map((c) => (c.namespace ? `${c.name}.${c.namespace}` : c.name)).join(',');
        if (!s.sidecar.inject) annotations[SERVICE_ANNOTATIONS.inject] = 'false';
        if (s.replicas !== undefined) annotations[SERVICE_ANNOTATIONS.replicas] = String(s.replicas);
        out.push(object('v1', 'Service', r.metadata.name, r.metadata.namespace, {
          selector: s.selector,
          ports: s.ports.map((p) => defined({ name: p.name ?? defaultPortName(p.protocol, p.port), port: p.port, targetPort: p.targetPort, appProtocol: APP_PROTOCOL[p.protocol] })),
        }, annotations));
        const own = policies.filter((p) => p.spec.service.name === r.metadata.name && (p.spec.service.namespace ?? nsOf(p)) === nsOf(r));
        const whole = own.find((p) => p.spec.service.version === undefined);
        if (s.versions.length === 0 && !whole) break;
        out.push(object('networking.istio.io/v1', 'DestinationRule', whole?.metadata.name ?? r.metadata.name, r.metadata.namespace, defined({
          host: serviceFqdn(r.metadata.name, nsOf(r)),
          trafficPolicy: whole ? trafficPolicy(whole, note) : undefined,
          subsets: s.versions.map((v) => {
            const versionPolicy = own.find((p) => p.spec.service.version === v.name);
            return defined({ name: v.name, labels: v.labels, trafficPolicy: versionPolicy ? trafficPolicy(versionPolicy, note) : undefined });
          }),
        })));
        break;
      }
      case 'ExternalService': {
        const s = (r as MeshResource<'ExternalService'>).spec;
        out.push(object('networking.istio.io/v1', 'ServiceEntry', r.metadata.name, r.metadata.namespace, defined({
          hosts: s.hosts,
          location: 'MESH_EXTERNAL',
          ports: s.ports.map((p) => ({ number: p.port, name: p.name ?? defaultPortName(p.protocol, p.port), protocol: p.protocol.toUpperCase() })),
          resolution: s.resolution,
          endpoints: s.endpoints.map((e) => defined({ address: e.address, ports: e.port !== undefined ? { [s.ports[0]!.name ?? defaultPortName(s.ports[0]!.protocol, s.ports[0]!.port)]: e.port } : undefined })),
        })));
        if (s.tls.mode === 'ORIGINATE') {
          if (s.tls.caCertificates) note(r, 'spec.tls.caCertificates', 'Istio reads CA certificates from a file on the proxy; mount the PEM and name it in the DestinationRule');
          out.push(object('networking.istio.io/v1', 'DestinationRule', `${r.metadata.name}-tls`, r.metadata.namespace, { host: s.hosts[0], trafficPolicy: { tls: defined({ mode: 'SIMPLE', sni: s.tls.sni }) } }));
        }
        break;
      }
      case 'TrafficRoute': {
        const s = (r as MeshResource<'TrafficRoute'>).spec;
        const own = { name: s.service.name, namespace: s.service.namespace ?? nsOf(r) };
        out.push(object('networking.istio.io/v1', 'VirtualService', r.metadata.name, r.metadata.namespace, {
          hosts: [hostOf(own.name, own.namespace, own)],
          http: s.rules.map((rule, i) => httpRoute(rule, s.service.port, (name, ns) => hostOf(name, ns, own), (field, why) => note(r, `spec.rules[${i}].${field}`, why))),
        }));
        break;
      }
      case 'TrafficPolicy': {
        const p = r as MeshResource<'TrafficPolicy'>;
        const known = services.some((svc) => svc.metadata.name === p.spec.service.name && nsOf(svc) === (p.spec.service.namespace ?? nsOf(p)));
        if (!known) note(r, 'spec.service', 'its MeshService is not among the exported resources; its DestinationRule is written with it');
        break;
      }
      case 'MtlsPolicy': {
        const p = r as MeshResource<'MtlsPolicy'>;
        const ports = Object.fromEntries(p.spec.portLevel.map((x) => [String(x.port), { mode: x.mode }]));
        out.push(object('security.istio.io/v1', 'PeerAuthentication', r.metadata.name, policyPlace(p), defined({ selector: selectorOf(r, p.spec.targetRef), mtls: { mode: p.spec.mode }, portLevelMtls: ports })));
        break;
      }
      case 'AccessPolicy': {
        const p = r as MeshResource<'AccessPolicy'>;
        out.push(object('security.istio.io/v1', 'AuthorizationPolicy', r.metadata.name, policyPlace(p), defined({
          selector: selectorOf(r, p.spec.targetRef),
          action: p.spec.action,
          rules: p.spec.rules.length ? p.spec.rules.map((rule, i) => accessRule(rule, nsOf(p), (field, why) => note(r, `spec.rules[${i}].${field}`, why, 'differs'))) : undefined,
        })));
        if (p.spec.rules.length === 0) (out.at(-1)!.spec as Record<string, unknown>).rules = [];
        break;
      }
      case 'JwtPolicy': {
        const p = r as MeshResource<'JwtPolicy'>;
        const selector = selectorOf(r, p.spec.targetRef);
        out.push(object('security.istio.io/v1', 'RequestAuthentication', r.metadata.name, policyPlace(p), defined({
          selector,
          jwtRules: p.spec.rules.map((j) => defined({ ...j, audiences: j.audiences, outputClaimToHeaders: j.outputClaimToHeaders })),
        })));
        if (p.spec.required) {
          note(r, 'spec.required', 'Istio answers a request without a token 403 (an AuthorizationPolicy denies it), Meshform 401', 'differs');
          out.push(object('security.istio.io/v1', 'AuthorizationPolicy', `${r.metadata.name}-require-jwt`.slice(0, 63), policyPlace(p), defined({ selector, action: 'DENY', rules: [{ from: [{ source: { notRequestPrincipals: ['*'] } }] }] })));
        }
        break;
      }
      case 'RateLimit': {
        const p = r as MeshResource<'RateLimit'>;
        if (p.spec.route) note(r, 'spec.route', 'the local rate limit pattern limits a whole workload, not one route rule');
        const selector = selectorOf(r, p.spec.targetRef);
        out.push(object('networking.istio.io/v1alpha3', 'EnvoyFilter', r.metadata.name, policyPlace(p), defined({ workloadSelector: selector ? { labels: selector.matchLabels } : undefined, configPatches: [localRateLimitPatch(p.spec)] })));
        break;
      }
      case 'Telemetry': {
        const p = r as MeshResource<'Telemetry'>;
        const t = p.spec.tracing;
        if (t?.otlpEndpoint) note(r, 'spec.tracing.otlpEndpoint', 'Istio names a tracing provider defined in MeshConfig: add the collector there', 'differs');
        if (t && t.propagation.join() !== 'w3c,b3') note(r, 'spec.tracing.propagation', 'Istio sets propagation on the provider in MeshConfig');
        if (p.spec.metrics?.histogramBucketsMs) note(r, 'spec.metrics.histogramBucketsMs', 'Istio sets histogram buckets with an annotation on the pods, not in Telemetry');
        if (p.spec.accessLogs?.format === 'text') note(r, 'spec.accessLogs.format', 'Istio sets the log format on the provider in MeshConfig');
        out.push(object('telemetry.istio.io/v1', 'Telemetry', r.metadata.name, policyPlace(p), defined({
          selector: selectorOf(r, p.spec.targetRef),
          tracing: t ? [defined({ randomSamplingPercentage: t.samplingPercent, customTags: Object.fromEntries(Object.entries(t.customTags).map(([tag, v]) => [tag, { header: { name: v.header } }])) })] : undefined,
          metrics: p.spec.metrics ? [p.spec.metrics.enabled ? { providers: [{ name: 'prometheus' }] } : { overrides: [{ disabled: true }] }] : undefined,
          accessLogging: p.spec.accessLogs ? [defined({ disabled: !p.spec.accessLogs.enabled, filter: p.spec.accessLogs.errorsOnly ? { expression: 'response.code >= 500' } : undefined })] : undefined,
        })));
        break;
      }
      case 'Mesh': {
        const m = (r as MeshResource<'Mesh'>).spec;
        note(r, 'spec', 'trust domain, CA, default mTLS mode, retry budget and control plane namespace are MeshConfig and istiod settings: only the outbound policy is exported (the root namespace\'s default Sidecar)', 'differs');
        out.push(object('networking.istio.io/v1', 'Sidecar', 'default', ISTIO_ROOT_NAMESPACE, { outboundTrafficPolicy: { mode: m.outboundPolicy } }));
        break;
      }
      default:
        note(r, '(whole object)', `${r.kind} is not exported to Istio yet`);
    }
  }
  for (const p of policies) if (p.spec.retryBudget) note(p, 'spec.retryBudget', 'Istio\'s retryBudget limits concurrent retries, not their share of requests; it is not exported');
  return { objects: out, notes };
}

/** Istio's local rate limit pattern: Envoy's local_ratelimit filter in the workload's inbound HTTP chain. */
function localRateLimitPatch(spec: SpecOf<'RateLimit'>): Record<string, unknown> {
  const full = (key: string) => ({ runtime_key: key, default_value: { numerator: 100, denominator: 'HUNDRED' } });
  return {
    applyTo: 'HTTP_FILTER',
    match: { context: 'SIDECAR_INBOUND', listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager' } } } },
    patch: {
      operation: 'INSERT_BEFORE',
      value: {
        name: 'envoy.filters.http.local_ratelimit',
        typed_config: defined({
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
          stat_prefix: 'http_local_rate_limiter',
          token_bucket: { max_tokens: spec.local.tokens, tokens_per_fill: spec.local.tokensPerFill ?? spec.local.tokens, fill_interval: spec.local.fillInterval },
          filter_enabled: full('local_rate_limit_enabled'),
          filter_enforced: full('local_rate_limit_enforced'),
          status: spec.response.status === 429 ? undefined : { code: spec.response.status },
          response_headers_to_add: Object.entries(spec.response.headers).map(([key, value]) => ({ append: false, header: { key, value } })),
        }),
      },
    },
  };
}

function trafficPolicy(p: MeshResource<'TrafficPolicy'>, note: (r: MeshResource, field: string, why: string) => void): Record<string, unknown> {
  const lb = p.spec.loadBalancer;
  if (lb?.choiceCount !== undefined) note(p, 'spec.loadBalancer.choiceCount', 'Istio samples two endpoints for LEAST_REQUEST; the count is not exported');
  const hash = lb?.consistentHash;
  const loadBalancer = !lb
    ? undefined
    : hash
      ? {
          consistentHash: {
            ...defined({
              httpHeaderName: hash.header,
              httpCookie: hash.cookie ? defined({ name: hash.cookie.name, ttl: hash.cookie.ttl, path: hash.cookie.path }) : undefined,
              useSourceIp: hash.sourceIp,
              httpQueryParameterName: hash.queryParam,
            }),
            ...(hash.algorithm === 'Maglev' ? { maglev: {} } : { ringHash: { minimumRingSize: hash.minimumRingSize } }),
          },
        }
      : { simple: LB[lb.type] };
  if (hash?.algorithm === 'Maglev' && hash.minimumRingSize !== 1024) note(p, 'spec.loadBalancer.consistentHash.minimumRingSize', 'a Maglev table has no ring size');
  return defined({ loadBalancer, connectionPool: p.spec.connectionPool, outlierDetection: p.spec.outlierDetection });
}

function stringMatch(type: string, value: string | undefined): Record<string, string> {
  if (value === undefined || type === 'Present') return {};
  return { [type === 'Exact' ? 'exact' : type === 'Prefix' ? 'prefix' : 'regex']: value };
}

function httpRoute(rule: Rule, port: number | undefined, hostOf: (name?: string, namespace?: string) => string, note: (field: string, why: string) => void): Record<string, unknown> {
  const matches: Record<string, unknown>[] = rule.matches.map((m, i) => {
    if (m.cookies.length > 1) note(`matches[${i}].cookies`, 'Istio matches the Cookie header once per match: only the first cookie is exported');
    const headers = Object.fromEntries([
      ...m.headers.filter((h) => !h.invert).map((h) => [h.name, stringMatch(h.type, h.value)]),
      ...m.cookies.slice(0, 1).map((c) => [
        'cookie',
        { regex: c.type === 'Exact' ? cookieRegex(c.name, c.value) : `^(.*?;)?(${c.name}=${c.type === 'Prefix' ? `${c.value}[^;]*` : c.value})(;.*)?$` },
      ]),
    ]);
    const without = Object.fromEntries(m.headers.filter((h) => h.invert).map((h) => [h.name, stringMatch(h.type, h.value)]));
    return defined({
      uri: m.path ? stringMatch(m.path.type, m.path.value) : undefined,
      ignoreUriCase: m.path?.ignoreCase || undefined,
      method: m.method ? { exact: m.method } : undefined,
      headers,
      withoutHeaders: without,
      queryParams: Object.fromEntries(m.queryParams.map((q) => [q.name, stringMatch(q.type, q.value)])),
      port,
    });
  });
  if (port !== undefined && matches.length === 0) matches.push({ port });
  const destination = (b: { name?: string; namespace?: string; version?: string; port?: number }) =>
    defined({ host: hostOf(b.name, b.namespace), subset: b.version, port: b.port !== undefined ? { number: b.port } : undefined });
  const prefixMatched = rule.matches.some((m) => m.path?.type === 'Prefix');
  const path = rule.rewrite?.path;
  if (path?.type === 'ReplacePrefixMatch' && !prefixMatched) note('rewrite.path', 'Istio replaces a matched prefix only under a prefix match: the whole path is replaced');
  if (rule.retry?.backoff) note('retry.backoff', 'Istio\'s retries have no backoff settings');
  if (rule.retry?.budget) note('retry.budget', 'Istio has no per-route retry budget');
  const headerChanges = (h: Rule['requestHeaders']) => (h ? defined({ set: h.set, add: h.add, remove: h.remove }) : undefined);
  return defined({
    name: rule.name,
    match: matches,
    route: rule.backends.map((b) => ({ destination: destination(b), weight: b.weight })),
    timeout: rule.timeout,
    retries: rule.backends.length === 0 ? undefined : rule.retry ? defined({ attempts: rule.retry.attempts, perTryTimeout: rule.retry.perTryTimeout, retryOn: rule.retry.retryOn.join(',') }) : { attempts: 0 },
    fault: rule.fault
      ? defined({
          delay: rule.fault.delay ? { fixedDelay: rule.fault.delay.fixedDelay, percentage: { value: rule.fault.delay.percent } } : undefined,
          abort: rule.fault.abort ? defined({ httpStatus: rule.fault.abort.httpStatus, grpcStatus: rule.fault.abort.grpcStatus, percentage: { value: rule.fault.abort.percent } }) : undefined,
        })
      : undefined,
    mirror: rule.mirror ? destination(rule.mirror.backend) : undefined,
    mirrorPercentage: rule.mirror ? { value: rule.mirror.percent } : undefined,
    rewrite: rule.rewrite
      ? defined({
          uri: path && (path.type === 'ReplacePrefixMatch' || !prefixMatched) ? path.value : undefined,
          uriRegexRewrite: path?.type === 'ReplaceFullPath' && prefixMatched ? { match: WHOLE_PATH, rewrite: path.value } : undefined,
          authority: rule.rewrite.authority,
        })
      : undefined,
    redirect: rule.redirect ? defined({ scheme: rule.redirect.scheme, authority: rule.redirect.host, port: rule.redirect.port, uri: rule.redirect.path, redirectCode: rule.redirect.statusCode }) : undefined,
    directResponse: rule.directResponse ? defined({ status: rule.directResponse.status, body: rule.directResponse.body !== undefined ? { string: rule.directResponse.body } : undefined }) : undefined,
    headers: rule.requestHeaders || rule.responseHeaders ? defined({ request: headerChanges(rule.requestHeaders), response: headerChanges(rule.responseHeaders) }) : undefined,
  });
}

function accessRule(rule: SpecOf<'AccessPolicy'>['rules'][number], namespace: string, note: (field: string, why: string) => void): Record<string, unknown> {
  return defined({
    from: rule.from.map((s, i) => {
      if (s.serviceAccounts?.length) note(`from[${i}].serviceAccounts`, 'exported as principals */ns/<namespace>/sa/<account>; they import back as principals');
      const accounts = (s.serviceAccounts ?? []).flatMap((a) => (s.namespaces?.length ? s.namespaces : [namespace]).map((ns) => `*/ns/${ns}/sa/${a}`));
      return { source: defined({ principals: [...(s.principals ?? []), ...accounts], notPrincipals: s.notPrincipals, namespaces: s.namespaces, notNamespaces: s.notNamespaces, requestPrincipals: s.requestPrincipals, notRequestPrincipals: s.notRequestPrincipals }) };
    }),
    to: rule.to.map((o) => ({ operation: defined({ methods: o.methods, notMethods: o.notMethods, paths: o.paths, notPaths: o.notPaths, ports: o.ports?.map(String) }) })),
    when: rule.when.map((c) => defined({ key: c.key, values: c.values, notValues: c.notValues })),
  });
}
