import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { TcpProxyConfig } from '../config/listener-config';
import type { ConfigSnapshot } from '../config/snapshot';

/**
 * envoy.filters.network.tcp_proxy: opaque bytes to one endpoint of the cluster. A refused or
 * failed connect closes the downstream; either side closing closes the other.
 */
export function proxyTcp(downstream: Duplex, config: TcpProxyConfig, snapshot: ConfigSnapshot, logger: Logger): void {
  const cluster = snapshot.clusters.get(config.cluster);
  const endpoint = cluster?.pick(undefined);
  if (!cluster || !endpoint) {
    logger.warn({ event: 'tcp.no_upstream', cluster: config.cluster }, 'no healthy upstream for TCP connection');
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
