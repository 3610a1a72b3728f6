import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startTracked, stopTracked } from './support/child-processes';
import { waitForPort } from './support/fortio';
import { writeThrowawayCa } from './support/throwaway-ca';
import { ECHO_HOST, ECHO_PATH, ECHO_PORT, HAPROXY_SUBNET, SERVICE_PORTS, TLS_PORTS, type ProxyPath } from './proxy-path';

const OUTBOUND_IP = `127.${HAPROXY_SUBNET}.0.3`;
const INBOUND_IP = `127.${HAPROXY_SUBNET}.1.1`;

/**
 * The reference: HAProxy from Debian's package in the mesh's topology, client → HAProxy → mutual TLS
 * (ECDSA P-256, as the mesh's CA issues) → HAProxy → echo server. One thread each, as a Node sidecar
 * has one event loop, so "per proxy core" compares like with like. Configs and certificates live in
 * a temporary folder, removed on stop.
 */
export async function startHaproxyPath(): Promise<ProxyPath> {
  const haproxy = haproxyBinary();
  const dir = mkdtempSync(path.join(tmpdir(), 'meshform-bench-haproxy-'));
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map((c) => stopTracked(c)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const certs = writeThrowawayCa(dir);
    const common = ['global', '  nbthread 1', '  maxconn 4096', 'defaults', '  mode http', '  timeout connect 5s', '  timeout client 60s', '  timeout server 60s', '  http-reuse always'];
    const tls = `ssl ca-file ${certs.ca} verify required`;
    const outbound = [
      ...common,
      `frontend http1`, `  bind ${OUTBOUND_IP}:${SERVICE_PORTS.http1}`, `  default_backend http1`,
      `frontend h2`, `  bind ${OUTBOUND_IP}:${SERVICE_PORTS.h2} proto h2`, `  default_backend h2`,
      `backend http1`, `  server inbound ${INBOUND_IP}:${TLS_PORTS.http1} ${tls} crt ${certs.client.pem} alpn http/1.1`,
      `backend h2`, `  server inbound ${INBOUND_IP}:${TLS_PORTS.h2} ${tls} crt ${certs.client.pem} alpn h2`,
    ];
    const inbound = [
      ...common,
      `frontend http1`, `  bind ${INBOUND_IP}:${TLS_PORTS.http1} ${tls} crt ${certs.server.pem} alpn http/1.1`, `  default_backend http1`,
      `frontend h2`, `  bind ${INBOUND_IP}:${TLS_PORTS.h2} ${tls} crt ${certs.server.pem} alpn h2`, `  default_backend h2`,
      `backend http1`, `  server echo ${ECHO_HOST}:${ECHO_PORT}`,
      `backend h2`, `  server echo ${ECHO_HOST}:${ECHO_PORT} proto h2`,
    ];
    const start = async (role: 'outbound' | 'inbound', lines: string[], ip: string, port: number) => {
      const file = path.join(dir, `${role}.cfg`);
      writeFileSync(file, `${lines.join('\n')}\n`);
      // Check first: a config error then reads as HAProxy's own message, not as a port that never opened.
      try {
        execFileSync(haproxy, ['-c', '-q', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (error) {
        throw new Error(`haproxy rejects the ${role} config: ${String((error as { stderr?: Buffer }).stderr ?? error)}`);
      }
      // -db: stay in the foreground, one process, so its pid is the one doing the work.
      const child = startTracked(haproxy, ['-db', '-f', file]);
      children.push(child);
      await waitForPort(ip, port, child);
      return { role, pid: child.pid! };
    };
    const proxies = [await start('inbound', inbound, INBOUND_IP, TLS_PORTS.http1), await start('outbound', outbound, OUTBOUND_IP, SERVICE_PORTS.http1)];
    return {
      name: 'HAProxy',
      target: (protocol) => ({ url: `http://${OUTBOUND_IP}:${SERVICE_PORTS[protocol]}${ECHO_PATH}` }),
      proxies,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function haproxyBinary(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('haproxy is missing: run bash scripts/bench/install-haproxy.sh');
  }
}
