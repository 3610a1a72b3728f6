import type { GatewayListener } from '../api';
import type { Finding } from './finding';
import type { ValidationResult } from './validate-resource';
import { DEFAULT_NAMESPACE, resourceRef } from '../naming/names';
import type { MeshResource } from '../api';
import type { MeshModel, Resolved } from '../model/mesh-model';
import { gatewayAttachments } from '../model/gateway-attachments';

type Report = (r: Resolved, code: string, field: string, message: string, fix: string, limit?: string) => void;
type ResolveService = (r: Resolved, field: string, name: string, namespace?: string) => Resolved<'MeshService'> | undefined;
type CheckRef<T> = (r: Resolved, field: string, svc: Resolved<'MeshService'> | undefined, value: T | undefined) => void;

/** The MeshGateway a reference names, or a report naming the gateways there are. */
export function resolveGateway(model: MeshModel, r: Resolved, field: string, name: string, namespace: string, report: Report): Resolved<'MeshGateway'> | undefined {
  const gateway = model.gateway(namespace, name);
  if (!gateway) {
    const known = model.all('MeshGateway').filter((g) => g.metadata.namespace === namespace).map((g) => g.metadata.name);
    report(r, 'UNKNOWN_GATEWAY', field, `names MeshGateway "${namespace}/${name}", which does not exist`, known.length ? `use one of ${known.join(', ')} or define the gateway` : `define MeshGateway ${name} in namespace ${namespace}`);
  }
  return gateway;
}

/**
 * Gateways and what names them: each GatewayRoute's parents exist and admit it and its backends
 * resolve; each listener's TLS Secrets are at hand (when the caller knows the Secrets); an
 * ExternalService leaves through an existing Egress gateway with an HTTP listener.
 */
export function checkGateways(model: MeshModel, report: Report, resolveService: ResolveService, checkVersion: CheckRef<string>, checkPort: CheckRef<number>): void {
  for (const route of model.all('GatewayRoute')) {
    route.spec.parentRefs.forEach((ref, i) => resolveGateway(model, route, `spec.parentRefs[${i}].name`, ref.name, ref.namespace ?? route.metadata.namespace, report));
    route.spec.rules.forEach((rule, i) => {
      const base = `spec.rules[${i}]`;
      const refs = [...rule.backends.map((b, j) => [b, `${base}.backends[${j}]`] as const), ...(rule.mirror ? [[rule.mirror.backend, `${base}.mirror.backend`] as const] : [])];
      for (const [b, field] of refs) {
        if (b.name === undefined) continue;
        const svc = resolveService(route, `${field}.name`, b.name, b.namespace ?? route.metadata.namespace);
        checkVersion(route, `${field}.version`, svc, b.version);
        checkPort(route, `${field}.port`, svc, b.port);
      }
    });
  }
  for (const gateway of model.all('MeshGateway')) {
    for (const refused of gatewayAttachments(model, gateway).refused) {
      report(refused.route, 'ROUTE_NOT_ATTACHED', `spec.parentRefs[${refused.parentIndex}]`, `${refused.message} (${refused.reason})`, fixOf(refused.reason));
    }
    gateway.spec.listeners.forEach((listener, i) => {
      listener.tls?.certificates.forEach((c, j) => {
        const namespace = c.namespace ?? gateway.metadata.namespace;
        if (model.hasTlsSecret(namespace, c.secretName)) return;
        report(gateway, 'MISSING_SECRET', `spec.listeners[${i}].tls.certificates[${j}].secretName`, `names Secret ${namespace}/${c.secretName}, which does not exist or is not of type kubernetes.io/tls with tls.crt and tls.key; the listener serves its other certificates, if any`, `create the Secret (kubectl create secret tls ${c.secretName} -n ${namespace} --cert=… --key=…) or name an existing one`);
      });
    });
  }
  for (const external of model.all('ExternalService')) {
    const ref = external.spec.egressGateway;
    if (!ref) continue;
    const gateway = resolveGateway(model, external, 'spec.egressGateway.name', ref.name, ref.namespace ?? external.metadata.namespace, report);
    if (gateway && gateway.spec.role !== 'Egress') {
      report(external, 'NOT_AN_EGRESS_GATEWAY', 'spec.egressGateway.name', `names MeshGateway ${gateway.metadata.namespace}/${gateway.metadata.name}, whose role is ${gateway.spec.role}`, 'name a MeshGateway with role Egress');
    } else if (gateway && !gateway.spec.listeners.some((l) => l.protocol === 'HTTP')) {
      report(external, 'NOT_AN_EGRESS_GATEWAY', 'spec.egressGateway.name', `names MeshGateway ${gateway.metadata.namespace}/${gateway.metadata.name}, which has no HTTP listener to take the mesh's calls`, 'give the egress gateway a listener with protocol HTTP');
    }
  }
}

/** A RateLimit at a gateway that names a rule must name a rule of a route attached to it. */
export function checkGatewayRateLimitRoute(model: MeshModel, limit: Resolved<'RateLimit'>, report: Report): void {
  const ref = limit.spec.targetRef;
  const gateway = ref.name === undefined ? undefined : model.gateway(ref.namespace ?? limit.metadata.namespace, ref.name);
  if (limit.spec.route === undefined || !gateway) return;
  const ruleNames = [...new Set(gatewayAttachments(model, gateway).attached.flatMap((a) => a.route.spec.rules.map((rule) => rule.name)))].filter((n): n is string => n !== undefined);
  if (!ruleNames.includes(limit.spec.route)) {
    report(limit, 'UNKNOWN_ROUTE', 'spec.route', `is "${limit.spec.route}", not the name of a rule of a GatewayRoute attached to MeshGateway ${gateway.metadata.namespace}/${gateway.metadata.name}`, ruleNames.length ? `use one of ${ruleNames.join(', ')}` : 'name the rule in its GatewayRoute or remove route');
  }
}

function fixOf(reason: 'NoMatchingParent' | 'NotAllowedByListeners' | 'NoMatchingListenerHostname'): string {
  switch (reason) {
    case 'NoMatchingParent':
      return 'name a listener (sectionName) and port the gateway has';
    case 'NotAllowedByListeners':
      return 'move the route into the gateway\'s namespace or set allowedRoutes.namespaces: All on the listener';
    case 'NoMatchingListenerHostname':
      return 'give the route a hostname the listener serves, or leave its hostnames empty';
  }
}

/** A finding without its place, which the caller knows. */
export type UnplacedFinding = Omit<Finding, 'where'>;

/**
 * A gateway serves its own namespace's certificates, as Istio's `credentialName` does: a reference
 * into another namespace would hand that namespace's TLS key to whoever may write gateways here.
 * Gateway API Gateways may cross with a ReferenceGrant; the controller checks those before it makes
 * their MeshGateways, and exempts only those (the constructs cannot name another namespace's Secret).
 */
export function crossNamespaceCertificates(namespace: string, listeners: readonly GatewayListener[]): UnplacedFinding[] {
  return listeners.flatMap((l, i) =>
    (l.tls?.certificates ?? []).flatMap((c, j) =>
      c.namespace === undefined || c.namespace === namespace
        ? []
        : [
            {
              code: 'CROSS_NAMESPACE_SECRET',
              field: `spec.listeners[${i}].tls.certificates[${j}].namespace`,
              message: `is ${c.namespace}; a MeshGateway serves only Secrets of its own namespace (${namespace})`,
              limit: namespace,
              fix: `copy Secret ${c.secretName} into namespace ${namespace}, or declare the gateway as a Gateway API Gateway with a ReferenceGrant in namespace ${c.namespace}`,
            },
          ],
    ),
  );
}

/**
 * A valid MeshGateway written by hand (not made from a Gateway API Gateway) turned invalid when it
 * names another namespace's Secret; any other result unchanged. `where` defaults to the resource.
 */
export function refuseForeignCertificates(result: ValidationResult, where?: string): ValidationResult {
  if (!result.ok || result.resource.kind !== 'MeshGateway') return result;
  const gateway = result.resource as MeshResource<'MeshGateway'>;
  const namespace = gateway.metadata.namespace ?? DEFAULT_NAMESPACE;
  const at = where ?? resourceRef('MeshGateway', gateway.metadata.name, namespace);
  const findings = crossNamespaceCertificates(namespace, gateway.spec.listeners).map((f) => ({ ...f, where: at }));
  return findings.length ? { ok: false, findings } : result;
}
