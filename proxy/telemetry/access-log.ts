import type { Logger } from 'pino';
import type { ProxyRequest } from '../http/proxy-request';
import type { ProxyResponse } from '../http/proxy-response';

/**
 * One access log line per request, Envoy-like fields (flags use Envoy's short names): JSON fields,
 * or for the `text` format Envoy's default line as the message.
 */
export function logAccess(
  logger: Logger,
  req: ProxyRequest,
  res: ProxyResponse,
  durationMs: number,
  traceId: string | undefined,
  format: 'json' | 'text' = 'json',
): void {
  if (format === 'text') {
    const flags = [...req.flags].join(',') || '-';
    const line = `"${req.method} ${req.path} ${req.protocol}" ${res.status} ${flags} ${res.bytesSent} ${Math.round(durationMs)} "${req.id}" "${req.authority}" "${req.upstreamHost ?? '-'}"`;
    logger.info({ event: 'access' }, line);
    return;
  }
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
