import type { ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { EMPTY_SNAPSHOT } from '../../../proxy/config/snapshot';
import { ProxyRequest } from '../../../proxy/http/proxy-request';
import { Http1Response, type ProxyResponse } from '../../../proxy/http/proxy-response';

/** A request as filters see it, without a socket. */
export function stubRequest(path = '/', headers: Record<string, string> = {}): ProxyRequest {
  return new ProxyRequest(
    'GET',
    path,
    'app',
    'http',
    headers,
    new PassThrough(),
    false,
    { remoteAddress: '127.0.0.1', localAddress: '127.0.0.1', localPort: 80, tls: false },
    'HTTP/1.1',
    'req-1',
    EMPTY_SNAPSHOT,
  );
}

/** A response that records what a filter answered instead of writing to a socket. */
export function stubResponse(): ProxyResponse & { body: string; headers: Record<string, unknown> } {
  const recorded = { body: '', headers: {} as Record<string, unknown>, ended: false };
  const raw = {
    writeHead: (_status: number, headers: Record<string, unknown>) => Object.assign(recorded.headers, headers),
    write: (chunk: Buffer) => (recorded.body += chunk.toString()) !== undefined,
    end: (chunk?: Buffer) => {
      if (chunk) recorded.body += chunk.toString();
      recorded.ended = true;
    },
    get writableEnded() {
      return recorded.ended;
    },
    destroyed: false,
  } as unknown as ServerResponse;
  const response = new Http1Response(raw) as ProxyResponse & { body: string; headers: Record<string, unknown> };
  Object.defineProperty(response, 'body', { get: () => recorded.body });
  Object.defineProperty(response, 'headers', { get: () => recorded.headers });
  return response;
}
