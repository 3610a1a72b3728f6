import type { MeshModel, Resolved } from '../model';
import { serviceFqdn } from '../naming';
import type { WorkloadInstance } from '../translate';
import type { GraphEdge, GraphNode } from './dashboard-snapshot';
import type { InstanceRates } from './instance-rates';
import { SignalTally } from './signal-tally';
import { placementOf, serviceNodeId, versionNodeId } from './workload-placement';

/** A proxy in front of the mesh (an ingress): its calls arrive under its service account. */
export interface GatewayAccount {
  readonly namespace: string;
  readonly name: string;
  readonly serviceAccount: string;
}

export interface TrafficGraphInput {
  readonly model: MeshModel;
  readonly workloads: readonly WorkloadInstance[];
  readonly rates: readonly InstanceRates[];
  readonly gateways?: readonly GatewayAccount[];
}

/** What the sidecar labels a caller without a client certificate (no mTLS, so no identity). */
const NO_IDENTITY = 'unknown';

type NodeBase = Omit<GraphNode, 'signals'>;

interface EdgeTally {
  readonly source: string;
  readonly target: string;
  readonly tally: SignalTally;
  deniedRps: number;
  mtlsRps: number;
}

/**
 * The topology graph of one window: a node for every MeshService, its versions and every
 * ExternalService, plus the gateways and unknown callers that sent traffic; an edge for every
 * caller → destination pair with traffic.
 *
 * Edges come from the destination's inbound counters, which name the caller by the service
 * account of its certificate (no certificate: no mTLS, caller unknown) and carry RBAC's 403 flag.
 * Calls to external hosts come from the caller's outbound counters. An edge's p99 is the caller's
 * own outbound latency to that service when it has a sidecar (what the caller waits, as Linkerd's
 * edges show), else the destination's inbound latency.
 */
export function trafficGraph(input: TrafficGraphInput): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const { model } = input;
  const nodes = new Map<string, NodeBase>();
  const tallies = new Map<string, SignalTally>();
  /** A caller's own latency to a service per `<caller service>-><service>` (its outbound histogram). */
  const callerLatency = new Map<string, SignalTally>();
  const tallyOf = (id: string, tallyMap = tallies) => tallyMap.get(id) ?? tallyMap.set(id, new SignalTally()).get(id)!;
  for (const service of model.all('MeshService')) {
    const { namespace, name } = service.metadata;
    const parent = serviceNodeId(namespace, name);
    nodes.set(parent, { id: parent, kind: 'service', namespace, service: name });
    for (const v of service.spec.versions) nodes.set(versionNodeId(namespace, name, v.name), { id: versionNodeId(namespace, name, v.name), kind: 'version', namespace, service: name, version: v.name, parent });
  }
  const externalByHost = new Map<string, Resolved<'ExternalService'>>();
  for (const external of model.all('ExternalService')) {
    nodes.set(serviceNodeId(external.metadata.namespace, external.metadata.name), { id: serviceNodeId(external.metadata.namespace, external.metadata.name), kind: 'external', namespace: external.metadata.namespace, service: external.metadata.name });
    for (const host of external.spec.hosts) externalByHost.set(host, external);
  }
  const meshByFqdn = new Map(model.all('MeshService').map((s) => [serviceFqdn(s.metadata.name, s.metadata.namespace), s]));
  const caller = callerResolver(model, input.gateways ?? [], nodes);
  const instances = new Map(input.workloads.map((w) => [`${w.namespace}/${w.name}`, w]));
  const edges = new Map<string, EdgeTally>();
  const edgeOf = (source: string, target: string) => {
    const id = `${source}->${target}`;
    return edges.get(id) ?? edges.set(id, { source, target, tally: new SignalTally(), deniedRps: 0, mtlsRps: 0 }).get(id)!;
  };

  for (const { namespace, name, samples } of input.rates) {
    const instance = instances.get(`${namespace}/${name}`);
    const placement = instance && placementOf(model, instance);
    if (!placement) continue;
    const service = placement.service;
    const serviceId = serviceNodeId(service.metadata.namespace, service.metadata.name);
    const targetId = placement.version === undefined ? serviceId : versionNodeId(service.metadata.namespace, service.metadata.name, placement.version);
    const targets = targetId === serviceId ? [serviceId] : [serviceId, targetId];
    const jwtCovers = model.policiesFor('JwtPolicy', service).length > 0;
    for (const s of samples) {
      const { direction, response_code: code = '', le } = s.labels;
      if (direction === 'inbound') {
        if (le !== undefined) {
          for (const id of targets) tallyOf(id).addBucket(le, s.value);
          continue;
        }
        const denied = (code === '403' && (s.labels.response_flags ?? '').split(',').includes('RBAC')) || (code === '401' && jwtCovers);
        for (const id of targets) tallyOf(id).addRequests(code, s.value, denied);
        const source = s.labels.source_workload ?? NO_IDENTITY;
        const edge = edgeOf(caller(source, service.metadata.namespace), targetId);
        edge.tally.addRequests(code, s.value, denied);
        if (source !== NO_IDENTITY) edge.mtlsRps += s.value;
        if (denied) edge.deniedRps += s.value;
      } else if (direction === 'outbound') {
        const destination = s.labels.destination_service ?? '';
        const mesh = meshByFqdn.get(destination);
        const external = externalByHost.get(destination);
        if (mesh) {
          if (le === undefined) continue;
          tallyOf(`${serviceId}->${serviceNodeId(mesh.metadata.namespace, mesh.metadata.name)}`, callerLatency).addBucket(le, s.value);
        } else if (external) {
          const externalId = serviceNodeId(external.metadata.namespace, external.metadata.name);
          const edge = edgeOf(serviceId, externalId);
          for (const tally of [edge.tally, tallyOf(externalId)]) {
            if (le !== undefined) tally.addBucket(le, s.value);
            else tally.addRequests(code, s.value);
          }
        }
      }
    }
  }
  const signalsOf = (id: string) => tallies.get(id)?.signals() ?? { rps: 0, successRate: null, p99Ms: null };
  return {
    nodes: [...nodes.values()].map((n) => ({ ...n, signals: signalsOf(n.id) })).sort((a, b) => a.id.localeCompare(b.id)),
    edges: [...edges.values()]
      .map((e): GraphEdge => {
        const targetService = nodes.get(e.target)?.parent ?? e.target;
        const latency = callerLatency.get(`${e.source}->${targetService}`)?.buckets ?? (e.tally.buckets.size > 0 ? e.tally.buckets : tallies.get(e.target)?.buckets);
        return { id: `${e.source}->${e.target}`, source: e.source, target: e.target, signals: e.tally.signals(latency), mtls: e.tally.rps > 0 && e.mtlsRps >= e.tally.rps, deniedRps: e.deniedRps };
      })
      .sort((a, b) => a.id.localeCompare(b.id)),
  };
}

/**
 * Names the node a caller's service account stands for: the MeshService with that account (in the
 * destination's namespace first), a gateway, or an `unknown` node, added to `nodes` when first seen.
 */
function callerResolver(model: MeshModel, gateways: readonly GatewayAccount[], nodes: Map<string, NodeBase>): (serviceAccount: string, namespace: string) => string {
  const byAccount = new Map<string, Resolved<'MeshService'>[]>();
  for (const s of model.all('MeshService')) {
    const account = model.serviceAccountOf(s);
    const list = byAccount.get(account);
    if (list) list.push(s);
    else byAccount.set(account, [s]);
  }
  return (serviceAccount, namespace) => {
    const owners = byAccount.get(serviceAccount) ?? [];
    const owner = owners.find((s) => s.metadata.namespace === namespace) ?? owners[0];
    if (owner) return serviceNodeId(owner.metadata.namespace, owner.metadata.name);
    const gateway = gateways.find((g) => g.serviceAccount === serviceAccount);
    const node: NodeBase = gateway
      ? { id: serviceNodeId(gateway.namespace, gateway.name), kind: 'gateway', namespace: gateway.namespace, service: gateway.name }
      : { id: serviceNodeId(namespace, serviceAccount), kind: 'unknown', namespace, service: serviceAccount };
    if (!nodes.has(node.id)) nodes.set(node.id, node);
    return node.id;
  };
}
