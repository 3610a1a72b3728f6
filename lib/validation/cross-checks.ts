import type { MeshResource } from '../api/kinds';
import type { TargetRef } from '../api/common';
import { MeshModel, type Resolved } from '../model/mesh-model';
import { DEFAULT_NAMESPACE, resourceRef } from '../naming/names';
import type { Finding } from './finding';
import { checkGateways, checkGatewayRateLimitRoute, resolveGateway } from './gateway-checks';

type WhereOf = (resource: MeshResource) => string;

const defaultWhere: WhereOf = (r) => resourceRef(r.kind, r.metadata.name, r.metadata.namespace);

/**
 * Checks that need more than one resource: references to services, versions, ports, routes and
 * policy targets resolve; routes do not fight over the same traffic; STRICT workloads are only
 * called from inside the mesh; gateways and what names them (`gateway-checks.ts`; with
 * `tlsSecrets`, the Secrets at hand as `<namespace>/<name>`, the Secrets gateways serve must be
 * among them). Runs at synth (constructs), in `meshform analyze` and in the
 * controller, on resources that each passed `validateResource`.
 */
export function analyzeMesh(resources: readonly MeshResource[], whereOf: WhereOf = defaultWhere, options: { readonly tlsSecrets?: ReadonlySet<string> } = {}): Finding[] {
  const model = new MeshModel(resources, options);
  const findings: Finding[] = [];
  // The model resolves namespaces; findings must still name each resource as the caller knows it.
  const whereByKey = new Map<string, string>();
  for (const r of resources) whereByKey.set(`${r.kind}/${r.metadata.namespace ?? DEFAULT_NAMESPACE}/${r.metadata.name}`, whereOf(r));
  const at = (r: Resolved) => whereByKey.get(`${r.kind}/${r.metadata.namespace}/${r.metadata.name}`) ?? defaultWhere(r);
  const report = (r: Resolved, code: string, field: string, message: string, fix: string, limit?: string) =>
    findings.push({ code, where: at(r), field, message, fix, ...(limit !== undefined ? { limit } : {}) });

  checkUniqueness(resources, whereOf, findings);

  /** Resolves a named service (MeshService or ExternalService) or reports it. */
  const resolveService = (r: Resolved, field: string, name: string, namespace = r.metadata.namespace) => {
    const svc = model.service(namespace, name);
    if (!svc && !model.externalService(namespace, name)) {
      const known = model.all('MeshService').filter((s) => s.metadata.namespace === namespace).map((s) => s.metadata.name);
      report(r, 'UNKNOWN_SERVICE', field, `names service "${namespace}/${name}", which is neither a MeshService nor an ExternalService`, known.length ? `use one of ${known.join(', ')} or define the service` : `define MeshService ${name} in namespace ${namespace}`);
    }
    return svc;
  };
  const checkVersion = (r: Resolved, field: string, svc: Resolved<'MeshService'> | undefined, version: string | undefined) => {
    if (!svc || version === undefined) return;
    const versions = svc.spec.versions.map((v) => v.name);
    if (!versions.includes(version)) {
      report(r, 'UNKNOWN_VERSION', field, `is "${version}", but MeshService ${svc.metadata.name} has ${versions.length ? `versions ${versions.join(', ')}` : 'no versions'}`, versions.length ? `use one of ${versions.join(', ')} or add version ${version} to the service` : `add version ${version} (its pod labels) to MeshService ${svc.metadata.name}`, versions.join(', '));
    }
  };
  const checkPort = (r: Resolved, field: string, svc: Resolved<'MeshService'> | undefined, port: number | undefined) => {
    if (!svc || port === undefined) return;
    const ports = svc.spec.ports.map((p) => p.port);
    if (!ports.includes(port)) report(r, 'UNKNOWN_PORT', field, `is ${port}, not a port of MeshService ${svc.metadata.name}`, `use one of ${ports.join(', ')}`, ports.join(', '));
  };
  const checkTarget = (r: Resolved, ref: TargetRef) => {
    if (ref.kind === 'MeshGateway') {
      if (ref.name === undefined) report(r, 'TARGET_NAME_REQUIRED', 'spec.targetRef.name', 'is required when targetRef.kind is MeshGateway', 'name the MeshGateway this policy applies to');
      else resolveGateway(model, r, 'spec.targetRef.name', ref.name, ref.namespace ?? r.metadata.namespace, report);
      return undefined;
    }
    if (ref.kind === 'MeshService') {
      if (ref.name === undefined) {
        report(r, 'TARGET_NAME_REQUIRED', 'spec.targetRef.name', 'is required when targetRef.kind is MeshService', 'name the MeshService this policy applies to');
        return undefined;
      }
      return resolveService(r, 'spec.targetRef.name', ref.name, ref.namespace ?? r.metadata.namespace);
    }
    if (ref.name !== undefined) report(r, 'TARGET_NAME_UNUSED', 'spec.targetRef.name', `is set but targetRef.kind is ${ref.kind}`, 'remove targetRef.name or use kind MeshService or MeshGateway');
    return undefined;
  };

  for (const route of model.all('TrafficRoute')) {
    const ns = route.spec.service.namespace ?? route.metadata.namespace;
    const svc = resolveService(route, 'spec.service.name', route.spec.service.name, ns);
    checkPort(route, 'spec.service.port', svc, route.spec.service.port);
    let catchAll = -1;
    route.spec.rules.forEach((rule, i) => {
      const base = `spec.rules[${i}]`;
      if (catchAll >= 0) {
        report(route, 'UNREACHABLE_RULE', base, `can never match: rule ${catchAll} before it matches every request`, `move rule ${i} before rule ${catchAll} or give rule ${catchAll} a match`);
      } else if (rule.matches.length === 0) {
        catchAll = i;
      }
      rule.backends.forEach((b, j) => {
        const target = b.name === undefined ? svc : resolveService(route, `${base}.backends[${j}].name`, b.name, b.namespace ?? ns);
        checkVersion(route, `${base}.backends[${j}].version`, target, b.version);
        checkPort(route, `${base}.backends[${j}].port`, target, b.port);
      });
      if (rule.mirror) {
        const b = rule.mirror.backend;
        const target = b.name === undefined ? svc : resolveService(route, `${base}.mirror.backend.name`, b.name, b.namespace ?? ns);
        checkVersion(route, `${base}.mirror.backend.version`, target, b.version);
      }
      const tcp = svc?.spec.ports.filter((p) => p.protocol === 'tcp' && (route.spec.service.port === undefined || p.port === route.spec.service.port)) ?? [];
      if (tcp.length > 0 && tcp.length === (svc?.spec.ports.length ?? 0) && rule.matches.length > 0) {
        report(route, 'HTTP_MATCH_ON_TCP', `${base}.matches`, `matches HTTP requests, but MeshService ${svc!.metadata.name} speaks tcp on port ${tcp.map((p) => p.port).join(', ')}`, 'remove the matches (TCP routes only split by weight) or change the port protocol');
      }
    });
  }
  checkRouteConflicts(model, report);

  const policyFor = new Map<string, Resolved<'TrafficPolicy'>>();
  for (const policy of model.all('TrafficPolicy')) {
    const ns = policy.spec.service.namespace ?? policy.metadata.namespace;
    const svc = resolveService(policy, 'spec.service.name', policy.spec.service.name, ns);
    checkVersion(policy, 'spec.service.version', svc, policy.spec.service.version);
    // Envoy has one cluster per destination (and version): two policies would silently shadow one another.
    const key = `${ns}/${policy.spec.service.name}|${policy.spec.service.version ?? ''}`;
    const first = policyFor.get(key);
    if (first) {
      report(policy, 'DUPLICATE_POLICY', 'spec.service', `applies to ${policy.spec.service.name}${policy.spec.service.version ? ` version ${policy.spec.service.version}` : ''}, as ${resourceRef('TrafficPolicy', first.metadata.name, first.metadata.namespace)} already does`, 'merge the two TrafficPolicies into one');
    } else {
      policyFor.set(key, policy);
    }
  }
  for (const kind of ['MtlsPolicy', 'AccessPolicy', 'JwtPolicy', 'RateLimit', 'Telemetry'] as const) {
    for (const policy of model.all(kind) as Resolved<typeof kind>[]) {
      const svc = checkTarget(policy, policy.spec.targetRef as TargetRef);
      if (policy.kind === 'MtlsPolicy') {
        (policy as Resolved<'MtlsPolicy'>).spec.portLevel.forEach((p, i) => checkPort(policy, `spec.portLevel[${i}].port`, svc, p.port));
      }
      if (policy.kind === 'RateLimit' && policy.spec.targetRef.kind === 'MeshGateway') checkGatewayRateLimitRoute(model, policy as Resolved<'RateLimit'>, report);
      else if (policy.kind === 'RateLimit') checkRateLimitRoute(model, policy as Resolved<'RateLimit'>, svc, report);
    }
  }
  checkGateways(model, report, resolveService, checkVersion, checkPort);
  for (const canary of model.all('Canary')) checkCanary(model, canary, resolveService, checkVersion, report);
  for (const svc of model.all('MeshService')) {
    svc.spec.calls.forEach((c, i) => resolveService(svc, `spec.calls[${i}].name`, c.name, c.namespace ?? svc.metadata.namespace));
    checkStrictCallers(model, svc, report);
  }
  return findings;
}

type Report = (r: Resolved, code: string, field: string, message: string, fix: string, limit?: string) => void;

function checkUniqueness(resources: readonly MeshResource[], whereOf: WhereOf, findings: Finding[]): void {
  const seen = new Map<string, MeshResource>();
  const meshes = resources.filter((r) => r.kind === 'Mesh');
  for (const r of resources) {
    const id = `${r.kind}/${r.metadata.namespace ?? DEFAULT_NAMESPACE}/${r.metadata.name}`;
    const first = seen.get(id);
    if (first) findings.push({ code: 'DUPLICATE_RESOURCE', where: whereOf(r), field: 'metadata.name', message: `repeats ${resourceRef(r.kind, r.metadata.name, r.metadata.namespace)}, already defined at ${whereOf(first)}`, fix: 'rename one of them' });
    seen.set(id, r);
  }
  for (const extra of meshes.slice(1)) {
    findings.push({ code: 'MULTIPLE_MESHES', where: whereOf(extra), field: 'kind', message: `is a second Mesh (the first is ${whereOf(meshes[0]!)})`, limit: 'one Mesh', fix: 'keep one Mesh resource per cluster' });
  }
}

/** Two rules on the same service and port with the same matches fight over the same requests (Istio's silent merge). */
function checkRouteConflicts(model: MeshModel, report: Report): void {
  const claimed = new Map<string, { route: Resolved<'TrafficRoute'>; rule: number }>();
  for (const route of model.all('TrafficRoute')) {
    const ns = route.spec.service.namespace ?? route.metadata.namespace;
    route.spec.rules.forEach((rule, i) => {
      const key = `${ns}/${route.spec.service.name}:${route.spec.service.port ?? '*'}|${canonicalMatches(rule.matches)}`;
      const previous = claimed.get(key);
      if (previous && previous.route !== route) {
        report(route, 'DUPLICATE_ROUTE_MATCH', `spec.rules[${i}].matches`, `claims the same requests to ${route.spec.service.name} as ${resourceRef('TrafficRoute', previous.route.metadata.name, previous.route.metadata.namespace)} rule ${previous.rule}; only one would ever apply`, 'merge the two routes into one or make their matches differ');
      } else if (!previous) {
        claimed.set(key, { route, rule: i });
      }
    });
  }
}

function canonicalMatches(matches: readonly unknown[]): string {
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sortKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sortKeys(x)])) : v;
  return matches.map((m) => JSON.stringify(sortKeys(m))).sort().join('||');
}

function checkRateLimitRoute(model: MeshModel, limit: Resolved<'RateLimit'>, svc: Resolved<'MeshService'> | undefined, report: Report): void {
  if (limit.spec.route === undefined) return;
  const ruleNames = model
    .all('TrafficRoute')
    .filter((r) => svc === undefined || (r.spec.service.name === svc.metadata.name && (r.spec.service.namespace ?? r.metadata.namespace) === svc.metadata.namespace))
    .flatMap((r) => r.spec.rules.map((rule) => rule.name))
    .filter((n): n is string => n !== undefined);
  if (!ruleNames.includes(limit.spec.route)) {
    report(limit, 'UNKNOWN_ROUTE', 'spec.route', `is "${limit.spec.route}", not the name of a TrafficRoute rule${svc ? ` of ${svc.metadata.name}` : ''}`, ruleNames.length ? `use one of ${ruleNames.join(', ')}` : 'name the rule in its TrafficRoute or remove route');
  }
}

function checkCanary(
  model: MeshModel,
  canary: Resolved<'Canary'>,
  resolveService: (r: Resolved, field: string, name: string, namespace?: string) => Resolved<'MeshService'> | undefined,
  checkVersion: (r: Resolved, field: string, svc: Resolved<'MeshService'> | undefined, version: string | undefined) => void,
  report: Report,
): void {
  const ns = canary.spec.service.namespace ?? canary.metadata.namespace;
  const svc = resolveService(canary, 'spec.service.name', canary.spec.service.name, ns);
  checkVersion(canary, 'spec.stableVersion', svc, canary.spec.stableVersion);
  checkVersion(canary, 'spec.canaryVersion', svc, canary.spec.canaryVersion);
  const route = model.get('TrafficRoute', canary.metadata.namespace, canary.spec.route);
  if (!route) {
    report(canary, 'UNKNOWN_ROUTE', 'spec.route', `is "${canary.spec.route}", but there is no TrafficRoute of that name in namespace ${canary.metadata.namespace}`, 'name the TrafficRoute whose weights the canary steps');
  } else if (route.spec.service.name !== canary.spec.service.name) {
    report(canary, 'CANARY_ROUTE_MISMATCH', 'spec.route', `is TrafficRoute ${route.metadata.name}, which routes ${route.spec.service.name}, not ${canary.spec.service.name}`, `use a TrafficRoute of ${canary.spec.service.name}`);
  }
}

/** A workload without a sidecar speaks plaintext, so a STRICT destination would refuse every call. */
function checkStrictCallers(model: MeshModel, caller: Resolved<'MeshService'>, report: Report): void {
  if (caller.spec.sidecar.inject) return;
  caller.spec.calls.forEach((call, i) => {
    const target = model.service(call.namespace ?? caller.metadata.namespace, call.name);
    if (!target) return;
    const strictPorts = target.spec.ports.filter((p) => model.mtlsMode(target, p.port) === 'STRICT').map((p) => p.port);
    if (strictPorts.length > 0) {
      report(caller, 'STRICT_CALLER_OUTSIDE_MESH', `spec.calls[${i}]`, `calls ${target.metadata.name}, whose mTLS is STRICT on port ${strictPorts.join(', ')}, but ${caller.metadata.name} has no sidecar (sidecar.inject false) and can only send plaintext`, `inject a sidecar into ${caller.metadata.name}, or set mTLS of ${target.metadata.name} to PERMISSIVE while it migrates`);
    }
  });
}

