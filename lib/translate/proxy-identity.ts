import { fromStruct, type JsonValue, type XdsNode } from '../xds';
import { DEFAULT_NAMESPACE } from '../naming';

/**
 * Who is asking, from `DiscoveryRequest.node` (docs/xds-contract.md "The node"). A sidecar names
 * its workload and pod IP and gets inbound and outbound config; a gateway names its MeshGateway
 * (`GATEWAY: <namespace>/<name>`) and gets that gateway's listeners; anything else (a proxyless
 * gRPC client, a debugging tool) is a client that only calls services.
 */
export interface ProxyIdentity {
  readonly id: string;
  readonly kind: 'sidecar' | 'gateway' | 'proxyless';
  readonly namespace: string;
  /** The MeshService this sidecar fronts. */
  readonly workload?: string;
  /** The MeshGateway this gateway proxy runs (its namespace is `namespace`). */
  readonly gateway?: string;
  readonly serviceAccount?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly instanceIp?: string;
  readonly outboundIp?: string;
  /**
   * With traffic capture (a pod), where the proxy listens for each application port: inbound for
   * callers of that port, outbound for the app's own calls to that port (see lib/injection's
   * capture plan). Without (local mode), listeners bind the ports themselves. A gateway binds its
   * listeners as outbound ones: on `OUTBOUND_IP`, a listener port remapped by `OUTBOUND_PORTS`
   * (local mode, where 443 needs privileges).
   */
  readonly inboundPorts?: ReadonlyMap<number, number>;
  readonly outboundPorts?: ReadonlyMap<number, number>;
  readonly token?: string;
}

function text(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function stringRecord(value: JsonValue | undefined): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** `{"9080": 15100}` → 9080 ⇒ 15100; anything that is not a port pair is ignored. */
function portMap(value: JsonValue | undefined): ReadonlyMap<number, number> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const isPort = (n: number) => Number.isInteger(n) && n > 0 && n < 65536;
  return new Map(Object.entries(value).flatMap(([from, to]) => (isPort(Number(from)) && typeof to === 'number' && isPort(to) ? [[Number(from), to] as const] : [])));
}

/** `<namespace>/<name>`, or a bare name in the default namespace. */
function gatewayRef(value: string | undefined): { namespace: string; name: string } | undefined {
  if (value === undefined) return undefined;
  const [namespace, name] = value.includes('/') ? value.split('/', 2) : [DEFAULT_NAMESPACE, value];
  return namespace && name ? { namespace, name } : undefined;
}

export function proxyIdentity(node: XdsNode): ProxyIdentity {
  const metadata = fromStruct(node.metadata);
  const workload = text(metadata['WORKLOAD']);
  const instanceIp = text(metadata['INSTANCE_IP']);
  const sidecar = node.id.startsWith('sidecar~') && workload !== undefined && instanceIp !== undefined;
  const gateway = sidecar ? undefined : gatewayRef(text(metadata['GATEWAY']));
  return {
    id: node.id,
    kind: sidecar ? 'sidecar' : gateway ? 'gateway' : 'proxyless',
    namespace: gateway?.namespace ?? text(metadata['NAMESPACE']) ?? DEFAULT_NAMESPACE,
    workload,
    ...(gateway ? { gateway: gateway.name } : {}),
    serviceAccount: text(metadata['SERVICE_ACCOUNT']),
    labels: stringRecord(metadata['LABELS']),
    instanceIp,
    outboundIp: text(metadata['OUTBOUND_IP']),
    inboundPorts: portMap(metadata['INBOUND_PORTS']),
    outboundPorts: portMap(metadata['OUTBOUND_PORTS']),
    token: text(metadata['TOKEN']),
  };
}
