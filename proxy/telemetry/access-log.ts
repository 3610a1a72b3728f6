import type { Logger } from 'pino';
import type { ProxyRequest } from '../http/proxy-request';
import type { ProxyResponse } from '../http/proxy-response';

/** One JSON access log line per request, Envoy-like fields (flags use Envoy's short names). */
export function logAccess(logger: Logger, req: ProxyRequest, res: ProxyResponse, durationMs: number, traceId: string | undefined): void {
  logger.info(
    {
      event: 'access',
      request_id: req.id,
      trace_id: traceId,
      protocol: req.protocol,
      method: req.method,
      authority: req.authority,
      path: req.path,
      route: req.route?.route.name || undefined,
      cluster: req.cluster,
      upstream_host: req.upstreamHost,
      attempts: req.upstreamAttempts,
      response_code: res.status,
      response_flags: [...req.flags].join(',') || '-',
      error_code: res.errorCode,
      bytes_sent: res.bytesSent,
      duration_ms: Math.round(durationMs * 1000) / 1000,
      downstream_remote_address: req.downstream.remoteAddress,
      downstream_peer_identity: req.downstream.peerIdentity,
    },
    'access',
  );
}
