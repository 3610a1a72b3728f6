/** The protocols a path is measured with, client to server. */
export type Protocol = 'http1' | 'h2';

/** A proxy process on a path: the client-side (outbound) or the server-side (inbound) one. */
export interface ProxyProcess {
  readonly role: 'outbound' | 'inbound';
  readonly pid: number;
}

/**
 * One way from the load generator to the echo server: direct, or through a pair of proxies that
 * talk mutual TLS to each other. Every path ends at the same echo server, so differences between
 * paths are what the proxies add.
 */
export interface ProxyPath {
  readonly name: string;
  /** The URL the client calls for a protocol, and the Host header a mesh routes on. */
  target(protocol: Protocol): { url: string; host?: string };
  readonly proxies: readonly ProxyProcess[];
  /** Counts the path keeps about itself, recorded with the results (the telemetry pair: span batches its OTLP sink received). */
  counts?(): Readonly<Record<string, number>>;
  stop(): Promise<void>;
}

/**
 * Loopback subnets, a block of four picked per run among 127.220–251 (8 blocks in 127.220–253):
 * Meshform's pair, HAProxy's, the Node floor's, and Meshform's pair with telemetry (each Meshform
 * pair has its own controller and the runner's address plan, so it needs a subnet of its own). They
 * stay away from the 127.20–219 subnets the end-to-end tests pick, so a benchmark can run beside a
 * test run and, almost always (7 times in 8), beside another benchmark (the --quick check inside
 * `npm test`). The echo server sits where the mesh plan puts the first instance's application
 * (127.<MESH_SUBNET>.1.2); the telemetry pair's plan is pointed at it.
 */
export const MESH_SUBNET = 220 + 4 * Math.floor(Math.random() * 8);
export const HAPROXY_SUBNET = MESH_SUBNET + 1;
export const FLOOR_SUBNET = MESH_SUBNET + 2;
export const MESH_TELEMETRY_SUBNET = MESH_SUBNET + 3;
export const ECHO_HOST = `127.${MESH_SUBNET}.1.2`;
export const ECHO_PORT = 8080;
/** The service port per protocol, the same on every path. */
export const SERVICE_PORTS: Record<Protocol, number> = { http1: 9080, h2: 9081 };
/** The inbound proxy's mTLS ports on the reference pairs (HAProxy, floor), one per protocol (ALPN http/1.1 or h2). */
export const TLS_PORTS: Record<Protocol, number> = { http1: 9443, h2: 9444 };
/** The echo server's 1 KB answer. */
export const ECHO_PATH = '/echo?size=1024';

/** The baseline: the client calls the echo server itself. */
export function directPath(): ProxyPath {
  return {
    name: 'direct',
    target: () => ({ url: `http://${ECHO_HOST}:${ECHO_PORT}${ECHO_PATH}` }),
    proxies: [],
    stop: async () => {},
  };
}
