import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { BLACKHOLE_CLUSTER } from '../../lib/naming/names';
import type { TcpProxyConfig } from '../config/listener-config';
import type { ConfigSnapshot } from '../config/snapshot';
import { ErrorCode } from '../errors';

/**
 * envoy.filters.network.tcp_proxy: opaque bytes to one endpoint of the cluster. A refused or
 * failed connect closes the downstream; either side closing closes the other.
 */
export function proxyTcp(downstream: Duplex, config: TcpProxyConfig, snapshot: ConfigSnapshot, logger: Logger): void {
  const cluster = snapshot.clusters.get(config.cluster);
  const endpoint = cluster?.pick(undefined);
  if (!cluster || !endpoint) {
    logRefusal(config.cluster, downstream, logger);
    downstream.destroy();
    return;
  }
  endpoint.active += 1;
  const upstream = net.connect({ host: endpoint.endpoint.host, port: endpoint.endpoint.port });
  const connectTimer = setTimeout(() => upstream.destroy(new Error('connect timeout')), cluster.config.connectTimeoutMs);
  let connected = false;
  upstream.once('connect', () => {
    connected = true;
    clearTimeout(connectTimer);
    cluster.recordOutcome(endpoint, { kind: 'response', status: 200 });
  });
  upstream.setTimeout(config.idleTimeoutMs, () => upstream.destroy());
  downstream.pipe(upstream);
  upstream.pipe(downstream);
  const close = () => {
    clearTimeout(connectTimer);
    downstream.destroy();
    upstream.destroy();
  };
  upstream.once('error', (error) => {
    if (!connected) cluster.recordOutcome(endpoint, { kind: 'local-failure' });
    logger.debug({ event: 'tcp.upstream_error', cluster: config.cluster, reason: error.message }, 'TCP upstream error');
    close();
  });
  upstream.once('close', () => {
    endpoint.active -= 1;
    close();
  });
  downstream.once('error', close);
  downstream.once('close', close);
}

/** The BlackHole's refusal says why and what to do: the proxy cannot know the original destination to name it. */
function logRefusal(clusterName: string, downstream: Duplex, logger: Logger): void {
  const peer = downstream instanceof net.Socket ? `${downstream.remoteAddress}:${downstream.remotePort}` : undefined;
  if (clusterName === BLACKHOLE_CLUSTER) {
    logger.warn(
      { event: 'tcp.outbound_refused', code: ErrorCode.OutboundNotRegistered, cluster: clusterName, peer },
      "outbound connection refused: the mesh's outboundPolicy is REGISTRY_ONLY and no MeshService or ExternalService uses this port; describe the destination as an ExternalService to allow it",
    );
  } else {
    logger.warn({ event: 'tcp.no_upstream', code: ErrorCode.NoHealthyUpstream, cluster: clusterName, peer }, 'no healthy upstream for TCP connection');
  }
}
