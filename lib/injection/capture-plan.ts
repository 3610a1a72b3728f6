import { EXCLUDE_INBOUND_PORTS_ANNOTATION } from './annotations';
import type { PodLike } from './pod';
import { parsePortList } from './port-lists';

/**
 * Node cannot read SO_ORIGINAL_DST, so a redirected connection must arrive on a port that alone
 * tells the proxy where it was going. Each port the application listens on gets two proxy ports:
 * inbound (callers' connections to it, REDIRECTed) and outbound (the app's own calls to another
 * pod on that same port, which cannot use the usual outbound listener on `outboundIp:port` because
 * the app's wildcard listener already holds that port on every address).
 */
export const INBOUND_CAPTURE_BASE = 15100;
export const OUTBOUND_REMAP_BASE = 15300;
/** How many application ports one pod can have captured (the width of each range above). */
export const MAX_CAPTURED_PORTS = 100;
/** Ports the sidecar keeps for itself: admin, health, and both ranges. */
export const RESERVED_PORTS = { from: 15000, to: OUTBOUND_REMAP_BASE + MAX_CAPTURED_PORTS - 1 } as const;

export interface PortRedirect {
  /** The application's port (a containerPort). */
  readonly app: number;
  /** Where the proxy listens for it. */
  readonly proxy: number;
}

export interface CapturePlan {
  readonly inbound: readonly PortRedirect[];
  readonly outbound: readonly PortRedirect[];
}

/**
 * The ports a pod's applications listen on: every TCP `containerPort` of its containers (init
 * containers do not serve), less those excluded by annotation, ascending.
 */
export function appPortsOf(pod: PodLike): number[] {
  const excluded = new Set(parsePortList(pod.metadata?.annotations?.[EXCLUDE_INBOUND_PORTS_ANNOTATION], EXCLUDE_INBOUND_PORTS_ANNOTATION));
  const ports = new Set<number>();
  for (const container of pod.spec.containers) {
    for (const p of (container['ports'] ?? []) as { containerPort?: number; protocol?: string }[]) {
      if (p.containerPort !== undefined && (p.protocol ?? 'TCP') === 'TCP' && !excluded.has(p.containerPort)) ports.add(p.containerPort);
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** The i-th application port (ascending) maps to the i-th port of each range. */
export function capturePlan(pod: PodLike): CapturePlan {
  const ports = appPortsOf(pod);
  const where = pod.metadata?.name ?? pod.metadata?.generateName ?? 'the pod';
  const reserved = ports.filter((p) => p >= RESERVED_PORTS.from && p <= RESERVED_PORTS.to);
  if (reserved.length > 0) {
    throw new Error(
      `${where}: container port(s) ${reserved.join(', ')} fall in ${RESERVED_PORTS.from}-${RESERVED_PORTS.to}, which the sidecar reserves; move them or list them in the annotation ${EXCLUDE_INBOUND_PORTS_ANNOTATION}`,
    );
  }
  if (ports.length > MAX_CAPTURED_PORTS) {
    throw new Error(`${where}: ${ports.length} container ports; the sidecar captures at most ${MAX_CAPTURED_PORTS}; exclude some with the annotation ${EXCLUDE_INBOUND_PORTS_ANNOTATION}`);
  }
  return {
    inbound: ports.map((app, i) => ({ app, proxy: INBOUND_CAPTURE_BASE + i })),
    outbound: ports.map((app, i) => ({ app, proxy: OUTBOUND_REMAP_BASE + i })),
  };
}

/** As node metadata (`INBOUND_PORTS`, `OUTBOUND_PORTS`): app port → proxy port. */
export function portMap(redirects: readonly PortRedirect[]): Record<string, number> {
  return Object.fromEntries(redirects.map((r) => [String(r.app), r.proxy]));
}
