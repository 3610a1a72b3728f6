import { ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Http2ServerResponse } from 'node:http2';
import type { ErrorCode } from '../errors';
import { Cancellation } from './cancellation';

/**
 * The downstream response, the same for HTTP/1.1 and HTTP/2. It records what access logs and
 * metrics need (status, bytes, the error code of a local reply).
 */
export class ProxyResponse {
  status = 0;
  bytesSent = 0;
  /** Set when the proxy answered by itself instead of an upstream. */
  errorCode: ErrorCode | undefined;
  /** Cancelled when the downstream goes before this response is complete: what is in flight upstream stops. */
  readonly cancellation = new Cancellation();

  constructor(readonly raw: ServerResponse | Http2ServerResponse) {}

  get started(): boolean {
    return this.status !== 0;
  }

  /** True once the downstream went away or the response was fully sent. */
  get closed(): boolean {
    return this.raw.writableEnded || this.raw.destroyed;
  }

  /** A reply from the proxy itself: a short text body that says what happened and why. */
  localReply(status: number, code: ErrorCode | undefined, body: string, headers: OutgoingHttpHeaders = {}): void {
    if (this.started || this.closed) return;
    this.errorCode = code;
    const payload = Buffer.from(body.endsWith('\n') ? body : `${body}\n`);
    this.writeHead(status, {
      ...headers,
      'content-type': 'text/plain; charset=utf-8',
      'content-length': payload.length,
      ...(code ? { 'x-meshform-error': code } : {}),
    });
    this.end(payload);
  }

  writeHead(status: number, headers: OutgoingHttpHeaders): void {
    this.status = status;
    (this.raw as ServerResponse).writeHead(status, headers);
  }

  /**
   * A response that is headers alone. On HTTP/2 it goes as one HEADERS frame that ends the stream:
   * gRPC's "trailers-only" form, in which gRPC clients and the next proxy's retry policy read the
   * status (writeHead would send the headers first and end the stream in another frame).
   */
  headersOnly(status: number, headers: OutgoingHttpHeaders): void {
    this.status = status;
    const raw = this.raw as ServerResponse;
    raw.statusCode = status;
    for (const [name, value] of Object.entries(headers)) if (value !== undefined) raw.setHeader(name, value);
    raw.end();
  }

  write(chunk: Buffer): boolean {
    if (this.bytesSent === 0 && this.raw instanceof ServerResponse && this.raw.socket) holdWritesForThisTick(this.raw.socket);
    this.bytesSent += chunk.length;
    return (this.raw as ServerResponse).write(chunk);
  }

  end(chunk?: Buffer): void {
    if (chunk) this.bytesSent += chunk.length;
    (this.raw as ServerResponse).end(chunk);
  }

  addTrailers(trailers: OutgoingHttpHeaders): void {
    (this.raw as ServerResponse).addTrailers(trailers);
  }
}

/**
 * Node writes an HTTP/1.1 response head and its first body chunk to the socket separately: two
 * syscalls and, on mTLS, two TLS records. Corked until the end of this tick, the head and every
 * chunk written meanwhile leave in one write; a body that streams on flows as it did.
 */
function holdWritesForThisTick(socket: Socket): void {
  socket.cork();
  process.nextTick(uncork, socket);
}

function uncork(socket: Socket): void {
  socket.uncork();
}
