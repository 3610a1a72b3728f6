import { SIDECAR_BLACKHOLE_PORT } from '../naming';
import type { CapturePlan } from './capture-plan';
import type { InjectionConfig } from './injection-config';
import type { MeshCapture } from './mesh-capture';

/** Per-pod refinements of traffic capture (from the pod's annotations). */
export interface CaptureOverrides {
  readonly excludeOutboundPorts?: readonly number[];
  readonly excludeOutboundCidrs?: readonly string[];
  /** Captured besides the mesh's ports (`includeOutboundPorts: 'mesh'`): ports of services the pod will call that the mesh does not name yet. */
  readonly includeOutboundPorts?: readonly number[];
}

const OUTBOUND_CHAIN = 'MESHFORM_OUTPUT';
const INBOUND_CHAIN = 'MESHFORM_INBOUND';

/**
 * The outbound ports a pod's rules send to its proxy: `all`, or the ports in ascending order.
 * With `mesh`, the mesh's ports as injection knows them plus the pod's own additions.
 */
export function capturedOutboundPorts(config: InjectionConfig, mesh: MeshCapture, overrides: CaptureOverrides = {}): 'all' | number[] {
  if (config.includeOutboundPorts === 'all') return 'all';
  const listed = config.includeOutboundPorts === 'mesh' ? [...mesh.ports, ...(overrides.includeOutboundPorts ?? [])] : config.includeOutboundPorts;
  return [...new Set(listed)].sort((a, b) => a - b);
}

/**
 * The init container's shell script for a pod's traffic capture (nat table), stopping at the first
 * failure and printing what it applied:
 * - inbound, connections from outside to an application port are REDIRECTed to that port's proxy
 *   port (loopback traffic, the proxy's own calls to the app, never passes PREROUTING);
 * - outbound, the app's TCP to a captured port (`capturedOutboundPorts`) is DNATed to `outboundIp`,
 *   the destination port kept (the proxy has one outbound listener per port of the services it
 *   calls), except a port the app itself listens on, which goes to its remapped proxy port. The
 *   proxy's own connections (its UID), loopback, the API server, TCP DNS to the pod's nameservers
 *   and the exclusions pass untouched. Any other port is decided here by the mesh's policy, as the
 *   proxy could not pass it on (Node cannot read SO_ORIGINAL_DST): under ALLOW_ANY no rule matches
 *   and it goes where it was going; under REGISTRY_ONLY it is DNATed to the BlackHole listener,
 *   which refuses it with a log line.
 */
export function trafficCaptureScript(config: InjectionConfig, plan: CapturePlan, mesh: MeshCapture, overrides: CaptureOverrides = {}): string {
  const rule = (...args: string[]) => ['iptables', '-w', '-t', 'nat', ...args].join(' ');
  const outbound = (...args: string[]) => rule('-A', OUTBOUND_CHAIN, ...args);
  const ports = [...new Set([...config.excludeOutboundPorts, ...(overrides.excludeOutboundPorts ?? [])])].sort((a, b) => a - b);
  const cidrs = [...new Set([...config.excludeOutboundCidrs, ...(overrides.excludeOutboundCidrs ?? [])])];
  const captured = capturedOutboundPorts(config, mesh, overrides);
  const included = (port: number) => captured === 'all' || captured.includes(port);
  const redirect = ['-j', 'DNAT', '--to-destination', config.outboundIp];
  return [
    'set -eu',
    // The kubelet tells every container of every pod where the API server is (the `kubernetes`
    // Service, with or without enableServiceLinks); injection cannot know it earlier. These rules
    // are IPv4: without an IPv4 address the rule names loopback, which passes anyway.
    'api_server="${KUBERNETES_SERVICE_HOST:-127.0.0.1}"',
    'case "$api_server" in *:*) api_server=127.0.0.1 ;; esac',
    rule('-N', INBOUND_CHAIN),
    rule('-A', 'PREROUTING', '-p', 'tcp', '-j', INBOUND_CHAIN),
    ...plan.inbound.map((r) => rule('-A', INBOUND_CHAIN, '-p', 'tcp', '--dport', String(r.app), '-j', 'REDIRECT', '--to-ports', String(r.proxy))),
    rule('-N', OUTBOUND_CHAIN),
    rule('-A', 'OUTPUT', '-p', 'tcp', '-j', OUTBOUND_CHAIN),
    outbound('-m', 'owner', '--uid-owner', String(config.proxyUid), '-j', 'RETURN'),
    outbound('-d', '127.0.0.0/8', '-j', 'RETURN'),
    outbound('-p', 'tcp', '-d', '"$api_server"', '--dport', '"${KUBERNETES_SERVICE_PORT:-443}"', '-j', 'RETURN'),
    // Resolvers answer large replies over TCP; the cluster's DNS is no mesh service.
    `for ns in $(awk '$1 == "nameserver" && $2 !~ /:/ { print $2 }' /etc/resolv.conf 2>/dev/null); do ${outbound('-p', 'tcp', '-d', '"$ns"', '--dport', '53', '-j', 'RETURN')}; done`,
    ...ports.map((p) => outbound('-p', 'tcp', '--dport', String(p), '-j', 'RETURN')),
    ...cidrs.map((c) => outbound('-d', c, '-j', 'RETURN')),
    ...plan.outbound.filter((r) => included(r.app)).map((r) => outbound('-p', 'tcp', '--dport', String(r.app), '-j', 'DNAT', '--to-destination', `${config.outboundIp}:${r.proxy}`)),
    ...(captured === 'all' ? [outbound('-p', 'tcp', ...redirect)] : captured.map((p) => outbound('-p', 'tcp', '--dport', String(p), ...redirect))),
    ...(captured !== 'all' && mesh.outboundPolicy === 'REGISTRY_ONLY' ? [outbound('-p', 'tcp', '-j', 'DNAT', '--to-destination', `${config.outboundIp}:${SIDECAR_BLACKHOLE_PORT}`)] : []),
    rule('-S', INBOUND_CHAIN),
    rule('-S', OUTBOUND_CHAIN),
  ].join('\n');
}
