import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startTracked, stopTracked } from './support/child-processes';
import { writeThrowawayCa, type ThrowawayCa } from './support/throwaway-ca';
import { ECHO_PATH, SERVICE_PORTS, type ProxyPath, type ProxyProcess } from './proxy-path';

/** What a reference pair's proxies are started with. */
export interface PairSetup {
  /** A temporary folder for configs, removed on stop; the certificates are in it. */
  readonly dir: string;
  readonly certs: ThrowawayCa;
  /** The outbound proxy listens here on SERVICE_PORTS; the inbound on TLS_PORTS at inboundIp. */
  readonly outboundIp: string;
  readonly inboundIp: string;
  /** Starts a proxy process, tracked so that stop (or a failed start) ends it. */
  spawn(command: string, args: readonly string[]): ChildProcess;
}

/**
 * A pair of proxies that is not Meshform's (HAProxy, the Node floor) in the mesh's topology on its
 * own subnet: client → outbound proxy → mutual TLS with a throwaway ECDSA P-256 CA, as the mesh's
 * CA issues → inbound proxy → echo server. `start` starts both proxies and returns them outbound
 * first; whatever fails, every process started and the folder go.
 */
export async function startReferencePair(name: string, subnet: number, start: (setup: PairSetup) => Promise<ProxyProcess[]>): Promise<ProxyPath> {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshform-bench-pair-'));
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map((c) => stopTracked(c)));
    rmSync(dir, { recursive: true, force: true });
  };
  const outboundIp = `127.${subnet}.0.3`;
  try {
    const spawn = (command: string, args: readonly string[]) => {
      const child = startTracked(command, args);
      children.push(child);
      return child;
    };
    const proxies = await start({ dir, certs: writeThrowawayCa(dir), outboundIp, inboundIp: `127.${subnet}.1.1`, spawn });
    return { name, target: (protocol) => ({ url: `http://${outboundIp}:${SERVICE_PORTS[protocol]}${ECHO_PATH}` }), proxies, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
