import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { waitForPort } from './support/fortio';
import { ECHO_HOST, ECHO_PORT, HAPROXY_SUBNET, SERVICE_PORTS, TLS_PORTS, type ProxyPath } from './proxy-path';
import { startReferencePair } from './reference-pair';

/**
 * The reference: HAProxy from Debian's package in the mesh's topology, client → HAProxy → mutual TLS
 * (ECDSA P-256, as the mesh's CA issues) → HAProxy → echo server. One thread each, as a Node sidecar
 * has one event loop, so "per proxy core" compares like with like.
 */
export function startHaproxyPath(): Promise<ProxyPath> {
  const haproxy = haproxyBinary();
  return startReferencePair('HAProxy', HAPROXY_SUBNET, async ({ dir, certs, outboundIp, inboundIp, spawn }) => {
    const common = ['global', '  nbthread 1', '  maxconn 4096', 'defaults', '  mode http', '  timeout connect 5s', '  timeout client 60s', '  timeout server 60s', '  http-reuse always'];
    const tls = `ssl ca-file ${certs.ca} verify required`;
    const outbound = [
      ...common,
      `frontend http1`, `  bind ${outboundIp}:${SERVICE_PORTS.http1}`, `  default_backend http1`,
      `frontend h2`, `  bind ${outboundIp}:${SERVICE_PORTS.h2} proto h2`, `  default_backend h2`,
      `backend http1`, `  server inbound ${inboundIp}:${TLS_PORTS.http1} ${tls} crt ${certs.client.pem} alpn http/1.1`,
      `backend h2`, `  server inbound ${inboundIp}:${TLS_PORTS.h2} ${tls} crt ${certs.client.pem} alpn h2`,
    ];
    const inbound = [
      ...common,
      `frontend http1`, `  bind ${inboundIp}:${TLS_PORTS.http1} ${tls} crt ${certs.server.pem} alpn http/1.1`, `  default_backend http1`,
      `frontend h2`, `  bind ${inboundIp}:${TLS_PORTS.h2} ${tls} crt ${certs.server.pem} alpn h2`, `  default_backend h2`,
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
      const child = spawn(haproxy, ['-db', '-f', file]);
      await waitForPort(ip, port, child);
      return { role, pid: child.pid! };
    };
    // The inbound first, so the outbound's first request finds it.
    const inboundProxy = await start('inbound', inbound, inboundIp, TLS_PORTS.http1);
    return [await start('outbound', outbound, outboundIp, SERVICE_PORTS.http1), inboundProxy];
  });
}

function haproxyBinary(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('haproxy is missing: run bash scripts/bench/install-haproxy.sh');
  }
}
