import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { ErrorCode } from '../errors';
import { Cancellation } from './cancellation';

/**
 * The downstream response, the same for HTTP/1.1 and HTTP/2. It records what access logs and
 * metrics need (status, bytes, the error code of a local reply). Each codec writes to what Node
 * hands it for a request: a ServerResponse, or the HTTP/2 stream itself (no compatibility layer,
 * which wraps every stream in two more objects with listeners of their own).
 */
export abstract class ProxyResponse {
  status = 0;
  bytesSent = 0;
  /** Set when the proxy answered by itself instead of an upstream. */
  errorCode: ErrorCode | undefined;
  /** Cancelled when the downstream goes before this response is complete: what is in flight upstream stops. */
  readonly cancellation = new Cancellation();

  constructor(readonly raw: ServerResponse | ServerHttp2Stream) {}

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

  /** Starts the response; the body follows with write/end. */
  abstract writeHead(status: number, headers: OutgoingHttpHeaders): void;

  /**
   * A response that is headers alone. On HTTP/2 it goes as one HEADERS frame that ends the stream:
   * gRPC's "trailers-only" form, in which gRPC clients and the next proxy's retry policy read the
   * status (writeHead would send the headers first and end the stream in another frame).
   */
  abstract headersOnly(status: number, headers: OutgoingHttpHeaders): void;

  /** Trailers to send when the body ends (gRPC's status travels in them). */
  abstract addTrailers(trailers: OutgoingHttpHeaders): void;

  write(chunk: Buffer): boolean {
    this.bytesSent += chunk.length;
    return this.raw.write(chunk);
  }

  end(chunk?: Buffer): void {
    if (chunk) this.bytesSent += chunk.length;
    this.raw.end(chunk);
  }
}

export class Http1Response extends ProxyResponse {
  constructor(override readonly raw: ServerResponse) {
    super(raw);
  }

  writeHead(status: number, headers: OutgoingHttpHeaders): void {
    this.status = status;
    this.raw.writeHead(status, headers);
  }

  headersOnly(status: number, headers: OutgoingHttpHeaders): void {
    this.writeHead(status, headers);
    this.raw.end();
  }

  override write(chunk: Buffer): boolean {
    if (this.bytesSent === 0 && this.raw.socket) holdWritesForThisTick(this.raw.socket);
    return super.write(chunk);
  }

  addTrailers(trailers: OutgoingHttpHeaders): void {
    this.raw.addTrailers(trailers);
  }
}

export class Http2Response extends ProxyResponse {
  private trailers: OutgoingHttpHeaders = {};

  constructor(override readonly raw: ServerHttp2Stream) {
    super(raw);
  }

  writeHead(status: number, headers: OutgoingHttpHeaders): void {
    this.status = status;
    if (this.raw.destroyed) return;
    // Trailers are known only once the upstream body has ended; an answer without any ends with
    // an empty DATA frame instead.
    this.raw.respond({ ...headers, ':status': status }, { waitForTrailers: true });
    this.raw.once('wantTrailers', () => this.raw.sendTrailers(this.trailers));
  }

  headersOnly(status: number, headers: OutgoingHttpHeaders): void {
    this.status = status;
    if (!this.raw.destroyed) this.raw.respond({ ...headers, ':status': status }, { endStream: true });
  }

  addTrailers(trailers: OutgoingHttpHeaders): void {
    this.trailers = trailers;
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
