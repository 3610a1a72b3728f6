import { SIDECAR_BLACKHOLE_PORT } from '../naming';
import type { CapturePlan } from './capture-plan';
import type { InjectionConfig } from './injection-config';

/** Per-pod refinements of traffic capture (from the pod's annotations). */
export interface CaptureOverrides {
  readonly excludeOutboundPorts?: readonly number[];
  readonly excludeOutboundCidrs?: readonly string[];
}

const OUTBOUND_CHAIN = 'MESHFORM_OUTPUT';
const INBOUND_CHAIN = 'MESHFORM_INBOUND';

/**
 * The iptables commands (argv each, nat table) of a pod's traffic capture, following `plan`:
 * - inbound, connections from outside to an application port are REDIRECTed to that port's proxy
 *   port (loopback traffic, the proxy's own calls to the app, never passes PREROUTING);
 * - outbound, the app's TCP connections are DNATed to `outboundIp`, the destination port kept
 *   (the proxy has one outbound listener per port of the services it calls), except a port the app
 *   itself listens on, which goes to its remapped proxy port. The proxy's own connections (its UID),
 *   loopback and the exclusions pass untouched. With `includeOutboundPorts: 'mesh'` only the mesh's
 *   ports are captured: Node cannot read SO_ORIGINAL_DST, so the proxy could not pass another port's
 *   connection on to where it was going; under ALLOW_ANY the kernel takes it there itself (no rule),
 *   under REGISTRY_ONLY it is DNATed to the BlackHole listener, which refuses it with a log line.
 */
export function trafficCaptureRules(config: InjectionConfig, plan: CapturePlan, overrides: CaptureOverrides = {}): string[][] {
  const rule = (...args: string[]) => ['iptables', '-w', '-t', 'nat', ...args];
  const ports = [...new Set([...config.excludeOutboundPorts, ...(overrides.excludeOutboundPorts ?? [])])].sort((a, b) => a - b);
  const cidrs = [...new Set([...config.excludeOutboundCidrs, ...(overrides.excludeOutboundCidrs ?? [])])];
  const include = config.includeOutboundPorts === 'mesh' ? config.meshPorts : config.includeOutboundPorts;
  const included = (port: number) => include === 'all' || include.includes(port);
  const redirect = ['-j', 'DNAT', '--to-destination', config.outboundIp];
  const others =
    config.includeOutboundPorts === 'mesh' && config.outboundPolicy === 'REGISTRY_ONLY'
      ? [rule('-A', OUTBOUND_CHAIN, '-p', 'tcp', '-j', 'DNAT', '--to-destination', `${config.outboundIp}:${SIDECAR_BLACKHOLE_PORT}`)]
      : [];
  return [
    rule('-N', INBOUND_CHAIN),
    rule('-A', 'PREROUTING', '-p', 'tcp', '-j', INBOUND_CHAIN),
    ...plan.inbound.map((r) => rule('-A', INBOUND_CHAIN, '-p', 'tcp', '--dport', String(r.app), '-j', 'REDIRECT', '--to-ports', String(r.proxy))),
    rule('-N', OUTBOUND_CHAIN),
    rule('-A', 'OUTPUT', '-p', 'tcp', '-j', OUTBOUND_CHAIN),
    rule('-A', OUTBOUND_CHAIN, '-m', 'owner', '--uid-owner', String(config.proxyUid), '-j', 'RETURN'),
    rule('-A', OUTBOUND_CHAIN, '-d', '127.0.0.0/8', '-j', 'RETURN'),
    ...ports.map((p) => rule('-A', OUTBOUND_CHAIN, '-p', 'tcp', '--dport', String(p), '-j', 'RETURN')),
    ...cidrs.map((c) => rule('-A', OUTBOUND_CHAIN, '-d', c, '-j', 'RETURN')),
    ...plan.outbound
      .filter((r) => included(r.app))
      .map((r) => rule('-A', OUTBOUND_CHAIN, '-p', 'tcp', '--dport', String(r.app), '-j', 'DNAT', '--to-destination', `${config.outboundIp}:${r.proxy}`)),
    ...(include === 'all'
      ? [rule('-A', OUTBOUND_CHAIN, '-p', 'tcp', ...redirect)]
      : include.map((p) => rule('-A', OUTBOUND_CHAIN, '-p', 'tcp', '--dport', String(p), ...redirect))),
    ...others,
  ];
}

/** The rules as one `sh -c` script that stops at the first failure and prints what it applied. */
export function trafficCaptureScript(rules: readonly (readonly string[])[]): string {
  return ['set -eu', ...rules.map((argv) => argv.join(' ')), `iptables -w -t nat -S ${INBOUND_CHAIN}`, `iptables -w -t nat -S ${OUTBOUND_CHAIN}`].join('\n');
}
