import { fromStruct, type JsonValue, type XdsNode } from '../xds';
import { DEFAULT_NAMESPACE } from '../naming';

/**
 * Who is asking, from `DiscoveryRequest.node` (docs/xds-contract.md "The node"). A sidecar names
 * its workload and pod IP and gets inbound and outbound config; anything else (a proxyless gRPC
 * client, a debugging tool) is a client that only calls services.
 */
export interface ProxyIdentity {
  readonly id: string;
  readonly kind: 'sidecar' | 'proxyless';
  readonly namespace: string;
  /** The MeshService this sidecar fronts. */
  readonly workload?: string;
  readonly serviceAccount?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly instanceIp?: string;
  readonly outboundIp?: string;
  readonly token?: string;
}

function text(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function stringRecord(value: JsonValue | undefined): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export function proxyIdentity(node: XdsNode): ProxyIdentity {
  const metadata = fromStruct(node.metadata);
  const workload = text(metadata['WORKLOAD']);
  const instanceIp = text(metadata['INSTANCE_IP']);
  const sidecar = node.id.startsWith('sidecar~') && workload !== undefined && instanceIp !== undefined;
  return {
    id: node.id,
    kind: sidecar ? 'sidecar' : 'proxyless',
    namespace: text(metadata['NAMESPACE']) ?? DEFAULT_NAMESPACE,
    workload,
    serviceAccount: text(metadata['SERVICE_ACCOUNT']),
    labels: stringRecord(metadata['LABELS']),
    instanceIp,
    outboundIp: text(metadata['OUTBOUND_IP']),
    token: text(metadata['TOKEN']),
  };
}
