import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { isIP } from 'node:net';
import { MESHED_LABEL } from '../lib/injection';
import type { Finding } from '../lib/validation';

/** Who may reach the controller pods, port by port. */
export interface ControlPlaneNetworkPolicyOptions {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Selects the controller pods. */
  readonly podSelector: Readonly<Record<string, string>>;
  readonly ports: { readonly xds: number; readonly webhooks: number; readonly metrics: number; readonly admin: number };
  readonly apiServerCidrs: readonly string[];
  readonly telemetryNamespace: string;
  readonly operatorNamespace?: string;
}

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The bytes of an IPv4 or IPv6 address, or undefined when it is neither. */
function addressBytes(address: string): number[] | undefined {
  const family = isIP(address);
  if (family === 4) return address.split('.').map(Number);
  if (family !== 6) return undefined;
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  const tail = v4 ? v4[1]!.split('.').map(Number) : [];
  if (v4) text = `${text.slice(0, -v4[1]!.length)}0:0`;
  const [head, rest] = text.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const fill = rest === undefined ? [] : Array<string>(8 - groups(head).length - groups(rest).length).fill('0');
  const words = [...groups(head), ...fill, ...groups(rest)].map((g) => parseInt(g, 16));
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  return v4 ? [...bytes.slice(0, 12), ...tail] : bytes;
}

/** Why `cidr` is not a canonical IPv4 or IPv6 CIDR (as NetworkPolicy's ipBlock wants), or undefined. */
export function cidrProblem(cidr: string): string | undefined {
  const match = /^([0-9a-fA-F.:]+)\/(\d{1,3})$/.exec(cidr);
  const bytes = match ? addressBytes(match[1]!) : undefined;
  if (!match || !bytes) return 'is not an address/prefix CIDR like 10.0.0.0/8 or fd00::/8';
  const prefix = Number(match[2]);
  if (prefix > bytes.length * 8) return `has prefix /${prefix}, longer than the address (${bytes.length * 8} bits)`;
  // The bits of each byte past the prefix must be zero.
  const hostBitsSet = bytes.some((byte, i) => (byte & (0xff >> Math.max(0, Math.min(8, prefix - i * 8)))) !== 0);
  if (hostBitsSet) return `has bits set after its /${prefix} prefix`;
  return undefined;
}

/** Everything wrong with the options a user gives, each a finding at `where`. */
export function controlPlaneNetworkPolicyFindings(where: string, props: { apiServerCidrs?: readonly string[]; telemetryNamespace?: string; operatorNamespace?: string }): Finding[] {
  const findings: Finding[] = [];
  if (props.apiServerCidrs !== undefined && props.apiServerCidrs.length === 0) {
    findings.push({
      code: 'REQUIRED',
      where,
      field: 'apiServerCidrs',
      message: 'is empty; an ingress rule without peers would admit every source to the webhook port',
      limit: 'at least 1 CIDR',
      fix: "list the API server's source CIDRs, or leave apiServerCidrs unset to admit any address",
    });
  }
  props.apiServerCidrs?.forEach((cidr, i) => {
    const problem = cidrProblem(cidr);
    if (problem) findings.push({ code: 'BAD_FORMAT', where, field: `apiServerCidrs[${i}]`, message: `${JSON.stringify(cidr)} ${problem}`, limit: 'a canonical IPv4 or IPv6 CIDR', fix: 'write the network address with its prefix length, like 172.16.0.0/28' });
  });
  for (const field of ['telemetryNamespace', 'operatorNamespace'] as const) {
    const value = props[field];
    if (value !== undefined && (value.length > 63 || !DNS_LABEL.test(value))) {
      findings.push({ code: 'BAD_FORMAT', where, field, message: `${JSON.stringify(value)} is not a namespace name`, limit: 'an RFC 1123 label: lower-case letters, digits and "-", at most 63 characters', fix: 'give the name of an existing namespace' });
    }
  }
  return findings;
}

/**
 * One NetworkPolicy isolating the controller pods for ingress: xDS from meshed pods of any
 * namespace (the label injection adds), the webhooks from the API server's CIDRs (pod selectors
 * cannot select the API server, which runs outside the pod network), metrics from the telemetry
 * namespace, the admin port from the operator namespace when one is named. Loopback (and so
 * `kubectl port-forward`) and the kubelet's probes from the node are always allowed by Kubernetes.
 */
export function controlPlaneNetworkPolicy(scope: Construct, id: string, o: ControlPlaneNetworkPolicyOptions): ApiObject {
  const tcp = (port: number) => [{ protocol: 'TCP', port }];
  const namespaceNamed = (name: string) => ({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: name } } });
  return new ApiObject(scope, id, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: o.name, namespace: o.namespace, labels: { ...o.labels } },
    spec: {
      podSelector: { matchLabels: { ...o.podSelector } },
      policyTypes: ['Ingress'],
      ingress: [
        { ports: tcp(o.ports.xds), from: [{ namespaceSelector: {}, podSelector: { matchLabels: { [MESHED_LABEL]: 'true' } } }] },
        { ports: tcp(o.ports.webhooks), from: o.apiServerCidrs.map((cidr) => ({ ipBlock: { cidr } })) },
        { ports: tcp(o.ports.metrics), from: [namespaceNamed(o.telemetryNamespace)] },
        ...(o.operatorNamespace ? [{ ports: tcp(o.ports.admin), from: [namespaceNamed(o.operatorNamespace)] }] : []),
      ],
    },
  });
}
