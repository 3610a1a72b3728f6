import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HttpConnectionConfig } from '../config/listener-config';
import { ErrorCode } from '../errors';

/**
 * A longer request-target is answered 414 (nginx and Apache allow 8 KiB for the request line). It
 * is counted in max_request_headers_kb too, as Envoy does, so a smaller header limit answers 431 first.
 */
export const MAX_REQUEST_TARGET_BYTES = 8 * 1024;

/** Why the proxy refuses an HTTP/1.1 request before routing it. */
export interface Refusal {
  readonly status: number;
  readonly code: ErrorCode;
  readonly reason: string;
}

const malformed = (reason: string): Refusal => ({ status: 400, code: ErrorCode.DownstreamProtocolError, reason });

/**
 * What Node's parser (llhttp) did not refuse by itself but the proxy does: too many headers (Node
 * would silently drop the rest), a long request-target, and transfer codings other than one final
 * chunked (RFC 9112 §6.1: chunked last or the framing is unknown; others are not implemented).
 * Requests without Transfer-Encoding pay two length checks.
 */
export function refusalOf(req: IncomingMessage, network: HttpConnectionConfig): Refusal | undefined {
  if (req.rawHeaders.length > 2 * network.maxHeadersCount) {
    return { status: 431, code: ErrorCode.RequestHeadersTooLarge, reason: `more than ${network.maxHeadersCount} request headers (max_headers_count)` };
  }
  if ((req.url?.length ?? 0) > MAX_REQUEST_TARGET_BYTES) {
    return { status: 414, code: ErrorCode.UriTooLong, reason: `request-target longer than ${MAX_REQUEST_TARGET_BYTES} bytes` };
  }
  const te = req.headers['transfer-encoding'];
  if (te === undefined || te === 'chunked') return undefined;
  const codings = te.toLowerCase().split(',').map((coding) => coding.trim());
  if (codings[codings.length - 1] !== 'chunked' || codings.indexOf('chunked') !== codings.length - 1) {
    return malformed(`Transfer-Encoding "${te}" does not end in a single chunked: its framing is unknown`);
  }
  if (codings.length > 1) {
    return { status: 501, code: ErrorCode.TransferCodingNotImplemented, reason: `transfer coding "${te}" is not implemented (only chunked)` };
  }
  return undefined;
}

/**
 * The proxy's answer to a request it refuses: the code in x-meshform-error, and the connection
 * closed after it, since what follows on it cannot be trusted to be a request of its own.
 */
export function refuseRequest(res: ServerResponse, refusal: Refusal): void {
  const { headers, body } = reply(refusal);
  res.writeHead(refusal.status, headers);
  res.end(body);
}

function reply(refusal: Refusal): { headers: Record<string, string>; body: string } {
  const body = `${refusal.reason}\n`;
  const headers = {
    connection: 'close',
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'x-meshform-error': refusal.code,
  };
  return { headers, body };
}

/** llhttp's error codes (Node's clientError) as the proxy's answers; undefined: nothing to answer (the peer went). */
export function parserRefusal(error: NodeJS.ErrnoException & { rawPacket?: Buffer }): Refusal | undefined {
  const code = error.code ?? '';
  if (code === 'HPE_HEADER_OVERFLOW') {
    // The request line alone over the request-target limit is a 414, as when it fits the header limit.
    const packet = error.rawPacket;
    const lineEnd = packet ? packet.indexOf('\r\n') : -1;
    if (packet && (lineEnd < 0 ? packet.length : lineEnd) > MAX_REQUEST_TARGET_BYTES) {
      return { status: 414, code: ErrorCode.UriTooLong, reason: `request-target longer than ${MAX_REQUEST_TARGET_BYTES} bytes` };
    }
    return { status: 431, code: ErrorCode.RequestHeadersTooLarge, reason: 'request header section too large (max_request_headers_kb)' };
  }
  // CL with TE, duplicate or invalid Content-Length, obs-fold, bad chunk sizes, bad Transfer-Encoding…
  if (code.startsWith('HPE_')) return malformed(`malformed request: ${error.message.replace(/^Parse Error: /, '')} (${code})`);
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, code: ErrorCode.DownstreamProtocolError, reason: 'request not received in time' };
  return undefined;
}

/**
 * Answers a parser error on the raw connection and closes it; replaces Node's own clientError
 * answer, which carries no code and is skipped once anything was written on the connection.
 */
export function refuseConnection(socket: Duplex & { _httpMessage?: ServerResponse | null }, refusal: Refusal | undefined): void {
  if (!refusal || !socket.writable || socket._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const { headers, body } = reply(refusal);
  const head = [`HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}
