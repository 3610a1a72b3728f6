import { byNamespacedName, type MeshModel, type Resolved } from '../model';
import type { PolicySummary } from './dashboard-snapshot';

type TargetedKind = 'MtlsPolicy' | 'AccessPolicy' | 'JwtPolicy' | 'RateLimit' | 'Telemetry';

/**
 * Which of a kind's covering policies (most specific last, as the model orders them) are in force:
 * the most specific one for mTLS and workload-wide rate limits; every one for access and JWT policies, which
 * translation combines (DENY before ALLOW, any issuer), and for Telemetry, merged field by field.
 */
const IN_FORCE: Record<TargetedKind, (policy: Resolved<TargetedKind>, covering: readonly Resolved<TargetedKind>[]) => boolean> = {
  MtlsPolicy: (p, all) => p === all.at(-1),
  // A rate limit naming a route is rejected (the inbound side cannot tell routes apart).
  RateLimit: (p, all) => p === all.filter((r) => (r as Resolved<'RateLimit'>).spec.route === undefined).at(-1),
  AccessPolicy: () => true,
  JwtPolicy: () => true,
  Telemetry: () => true,
};

function describe(policy: Resolved<TargetedKind>): string {
  switch (policy.kind) {
    case 'MtlsPolicy': {
      const spec = (policy as Resolved<'MtlsPolicy'>).spec;
      return `mTLS ${spec.mode}${spec.portLevel.map((p) => `, port ${p.port} ${p.mode}`).join('')}`;
    }
    case 'AccessPolicy': {
      const spec = (policy as Resolved<'AccessPolicy'>).spec;
      if (spec.rules.length === 0) return spec.action === 'ALLOW' ? 'allows nothing (deny-all)' : `${spec.action.toLowerCase()} with no rules`;
      const sources = spec.rules.flatMap((r) => r.from.flatMap((f) => [...(f.serviceAccounts ?? []).map((sa) => `sa ${sa}`), ...(f.namespaces ?? []).map((ns) => `namespace ${ns}`), ...(f.principals ?? [])]));
      const who = sources.length > 0 ? sources.join(', ') : 'any source';
      return spec.action === 'ALLOW' ? `allows ${who}; denies everyone else` : `${spec.action === 'DENY' ? 'denies' : 'audits'} ${who}`;
    }
    case 'JwtPolicy': {
      const spec = (policy as Resolved<'JwtPolicy'>).spec;
      return `${spec.required ? 'requires' : 'checks'} a JWT from ${spec.rules.map((r) => r.issuer).join(', ')}`;
    }
    case 'RateLimit': {
      const local = (policy as Resolved<'RateLimit'>).spec.local;
      return `${local.tokensPerFill ?? local.tokens} requests per ${local.fillInterval}, bursts of ${local.tokens}`;
    }
    default: {
      const spec = (policy as Resolved<'Telemetry'>).spec;
      return `sets ${Object.keys(spec).filter((k) => k !== 'targetRef').join(', ') || 'nothing'}`;
    }
  }
}

/**
 * The TrafficPolicies naming the service, a version's first: as translation merges them, the first
 * (by namespace and name) for the whole service is in force, and the first for each version overrides
 * it field by field for that version; any other is rejected as a CONFLICT.
 */
function trafficPolicies(model: MeshModel, service: Resolved<'MeshService'>): PolicySummary[] {
  const { namespace, name } = service.metadata;
  const matching = model
    .all('TrafficPolicy')
    .filter((p) => p.spec.service.name === name && (p.spec.service.namespace ?? p.metadata.namespace) === namespace)
    .sort(byNamespacedName);
  const inForce = new Map<string, Resolved<'TrafficPolicy'>>();
  for (const p of matching) if (!inForce.has(p.spec.service.version ?? '')) inForce.set(p.spec.service.version ?? '', p);
  return matching
    .sort((a, b) => Number(b.spec.service.version !== undefined) - Number(a.spec.service.version !== undefined))
    .map((p) => {
      const { version } = p.spec.service;
      const { loadBalancer: lb, connectionPool, outlierDetection: od, retryBudget } = p.spec;
      const parts = [
        lb && `load balancer ${lb.type}`,
        connectionPool && 'connection pool limits',
        od && (od.consecutive5xxErrors ? `ejects after ${od.consecutive5xxErrors} consecutive 5xx` : 'outlier detection'),
        retryBudget && 'retry budget',
      ].filter((part): part is string => typeof part === 'string' && part !== '');
      return {
        kind: 'TrafficPolicy',
        namespace: p.metadata.namespace,
        name: p.metadata.name,
        target: `MeshService/${name}${version ? `/${version}` : ''}`,
        applies: inForce.get(version ?? '') === p,
        summary: parts.join('; '),
      };
    });
}

/** Every policy whose targetRef covers the service, per kind in the model's order, the one in force marked; then its TrafficPolicies. */
export function servicePolicies(model: MeshModel, service: Resolved<'MeshService'>): PolicySummary[] {
  return [...targetedPolicies(model, service), ...trafficPolicies(model, service)];
}

function targetedPolicies(model: MeshModel, service: Resolved<'MeshService'>): PolicySummary[] {
  return (Object.keys(IN_FORCE) as TargetedKind[]).flatMap((kind) => {
    const covering = model.policiesFor(kind, service);
    return covering
      .map((policy) => {
        const ref = policy.spec.targetRef;
        const target = ref.kind === 'Mesh' ? 'Mesh' : ref.kind === 'Namespace' ? `Namespace/${policy.metadata.namespace}` : `MeshService/${ref.name}`;
        return { kind, namespace: policy.metadata.namespace, name: policy.metadata.name, target, applies: IN_FORCE[kind](policy, covering), summary: describe(policy) };
      })
      .reverse();
  });
}
