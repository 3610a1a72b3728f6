import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Connection-specific headers: meaningful on one hop only, and forbidden in HTTP/2. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'http2-settings',
  'host',
]);

/** Copies headers to forward, dropping hop-by-hop ones, those named in Connection, and pseudo-headers. */
export function forwardableHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = headers.connection ? String(headers.connection).toLowerCase().split(',').map((h) => h.trim()) : [];
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* ':' */ || HOP_BY_HOP.has(name) || named.includes(name)) continue;
    out[name] = headers[name];
  }
  // "te: trailers" is how gRPC asks for trailers; it is the one TE value HTTP/2 allows.
  if (headers.te === 'trailers') out.te = 'trailers';
  return out;
}
