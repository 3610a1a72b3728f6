import type { InjectionConfig } from './injection-config';

/** Per-pod refinements of traffic capture (from the pod's annotations). */
export interface CaptureOverrides {
  readonly excludeOutboundPorts?: readonly number[];
  readonly excludeOutboundCidrs?: readonly string[];
}

const CHAIN = 'MESHFORM_OUTPUT';

/**
 * The iptables commands (argv each, nat table) that send the app's outbound TCP connections to the
 * proxy. DNAT keeps the destination port, and the proxy has one outbound listener per port of the
 * services it calls on `outboundIp`, so no original-destination lookup is needed (Node cannot read
 * SO_ORIGINAL_DST). The proxy's own connections (its UID), loopback and the exclusions pass
 * untouched. Inbound needs no rule: the proxy's inbound listeners bind the pod IP at the service
 * ports, where callers connect.
 */
export function trafficCaptureRules(config: InjectionConfig, overrides: CaptureOverrides = {}): string[][] {
  const rule = (...args: string[]) => ['iptables', '-w', '-t', 'nat', ...args];
  const ports = [...new Set([...config.excludeOutboundPorts, ...(overrides.excludeOutboundPorts ?? [])])].sort((a, b) => a - b);
  const cidrs = [...new Set([...config.excludeOutboundCidrs, ...(overrides.excludeOutboundCidrs ?? [])])];
  const redirect = ['-j', 'DNAT', '--to-destination', config.outboundIp];
  return [
    rule('-N', CHAIN),
    rule('-A', 'OUTPUT', '-p', 'tcp', '-j', CHAIN),
    rule('-A', CHAIN, '-m', 'owner', '--uid-owner', String(config.proxyUid), '-j', 'RETURN'),
    rule('-A', CHAIN, '-d', '127.0.0.0/8', '-j', 'RETURN'),
    ...ports.map((p) => rule('-A', CHAIN, '-p', 'tcp', '--dport', String(p), '-j', 'RETURN')),
    ...cidrs.map((c) => rule('-A', CHAIN, '-d', c, '-j', 'RETURN')),
    ...(config.includeOutboundPorts === 'all'
      ? [rule('-A', CHAIN, '-p', 'tcp', ...redirect)]
      : config.includeOutboundPorts.map((p) => rule('-A', CHAIN, '-p', 'tcp', '--dport', String(p), ...redirect))),
  ];
}

/** The rules as one `sh -c` script that stops at the first failure and prints what it applied. */
export function trafficCaptureScript(rules: readonly (readonly string[])[]): string {
  return ['set -eu', ...rules.map((argv) => argv.join(' ')), `iptables -w -t nat -S ${CHAIN}`].join('\n');
}

/** Parses a comma-separated annotation of port numbers; anything that is not a port is an error. */
export function parsePortList(value: string | undefined, annotation: string): number[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((part) => {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`annotation ${annotation}: ${JSON.stringify(part.trim())} is not a port number (1-65535)`);
    return n;
  });
}

/** Parses a comma-separated annotation of IPv4 CIDRs. */
export function parseCidrList(value: string | undefined, annotation: string): string[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((part) => {
    const c = part.trim();
    if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(c)) throw new Error(`annotation ${annotation}: ${JSON.stringify(c)} is not an IPv4 CIDR`);
    return c;
  });
}
