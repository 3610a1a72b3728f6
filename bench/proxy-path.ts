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
  stop(): Promise<void>;
}

/**
 * Loopback subnets, picked per run among 127.220–253 (a pair: the mesh's, then HAProxy's), away
 * from the 127.20–219 subnets the end-to-end tests pick, so a benchmark can run beside a test run
 * and, almost always, beside another benchmark (the --quick check inside `npm test`). The echo
 * server sits where the mesh plan puts the first instance's application (127.<MESH_SUBNET>.1.2).
 */
export const MESH_SUBNET = 220 + 2 * Math.floor(Math.random() * 17);
export const HAPROXY_SUBNET = MESH_SUBNET + 1;
export const ECHO_HOST = `127.${MESH_SUBNET}.1.2`;
export const ECHO_PORT = 8080;
/** The service port per protocol, the same on every path. */
export const SERVICE_PORTS: Record<Protocol, number> = { http1: 9080, h2: 9081 };
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
