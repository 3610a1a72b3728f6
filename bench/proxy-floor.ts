import * as path from 'node:path';
import { build } from 'esbuild';
import { SIDECAR_NODE_FLAGS } from '../proxy/node-flags';
import { waitForLine } from './support/child-processes';
import type { FloorConfig } from './floor-proxy';
import { ECHO_HOST, ECHO_PORT, FLOOR_SUBNET, SERVICE_PORTS, TLS_PORTS, type ProxyPath } from './proxy-path';
import { startReferencePair } from './reference-pair';
const READY_TIMEOUT_MS = 10_000;

/**
 * Bundles bench/floor-proxy.ts into `outDir`/floor-proxy.js, as scripts/build-bundles.ts bundles the
 * sidecar: the floor then starts as a sidecar does, plain `node` on one file, with no TypeScript
 * loader in its process to cost start-up time and memory the sidecar does not pay.
 */
export async function buildFloorProxy(outDir: string): Promise<string> {
  const outfile = path.join(outDir, 'floor-proxy.js');
  await build({ entryPoints: [path.join(__dirname, 'floor-proxy.ts')], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' });
  return outfile;
}

/**
 * The floor: client → Node pass-through → mutual TLS (the same throwaway ECDSA P-256 CA as
 * HAProxy's pair) → Node pass-through → echo server, each proxy its own process with the sidecar's
 * Node flags, so what separates it from Meshform's pair is Meshform's own code.
 */
export function startFloorPath(bundle: string): Promise<ProxyPath> {
  return startReferencePair('floor (Node)', FLOOR_SUBNET, async ({ certs, outboundIp, inboundIp, spawn }) => {
    const start = async (config: FloorConfig) => {
      const child = spawn(process.execPath, [...SIDECAR_NODE_FLAGS, bundle, JSON.stringify(config)]);
      await waitForLine(child, `floor ${config.role}`, (line) => line === 'ready', READY_TIMEOUT_MS);
      child.stdout!.resume();
      return { role: config.role, pid: child.pid! };
    };
    const inbound = { host: inboundIp, http1Port: TLS_PORTS.http1, h2Port: TLS_PORTS.h2 };
    const serverName = certs.server.dnsName;
    // The inbound first, so the outbound's first request finds it.
    const inboundProxy = await start({ role: 'inbound', listen: inbound, upstream: { host: ECHO_HOST, http1Port: ECHO_PORT, h2Port: ECHO_PORT }, tls: { ca: certs.ca, cert: certs.server.cert, key: certs.server.key, serverName } });
    const outbound = { host: outboundIp, http1Port: SERVICE_PORTS.http1, h2Port: SERVICE_PORTS.h2 };
    return [await start({ role: 'outbound', listen: outbound, upstream: inbound, tls: { ca: certs.ca, cert: certs.client.cert, key: certs.client.key, serverName } }), inboundProxy];
  });
}
