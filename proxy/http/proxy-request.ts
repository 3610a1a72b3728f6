import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { ConfigSnapshot } from '../config/snapshot';
import type { MatchedRoute } from '../config/route-table';
import type { ResponseFlag } from './response-flags';

/** Where a request came from, as the listener saw it. */
export interface Downstream {
  remoteAddress: string;
  localAddress: string;
  localPort: number;
  tls: boolean;
  /** The SPIFFE URI SAN of the client certificate, when mTLS verified one. */
  peerIdentity?: string;
}

/**
 * A downstream request as the filters see it, the same for HTTP/1.1 and HTTP/2. Headers are the
 * request's own parsed object, which filters may change (HTTP/2 pseudo-headers stay in it: read
 * them through `header()`); the body is the untouched downstream stream.
 */
export class ProxyRequest {
  /** Set by the router when it picks a cluster and an endpoint; read by access logs and metrics. */
  cluster: string | undefined;
  /** Resolved by the connection manager before any filter runs, as Envoy does. */
  route: MatchedRoute | undefined;
  upstreamHost: string | undefined;
  upstreamAttempts = 0;
  readonly flags = new Set<ResponseFlag>();
  /** Verified JWT claims, for authorization. */
  jwtPayload: Record<string, unknown> | undefined;
  private parsedQuery: URLSearchParams | undefined;
  private queryStart: number;

  constructor(
    readonly method: string,
    /** Path and query exactly as received. */
    readonly path: string,
    readonly authority: string,
    readonly scheme: 'http' | 'https',
    readonly headers: IncomingHttpHeaders,
    readonly body: Readable,
    /** Whether a body follows the headers (a length, chunked, or an HTTP/2 stream left open). */
    readonly hasBody: boolean,
    readonly downstream: Downstream,
    readonly protocol: 'HTTP/1.1' | 'HTTP/2',
    readonly id: string,
    /** The config this request started on; it keeps it to the end even if a new one arrives. */
    readonly snapshot: ConfigSnapshot,
  ) {
    this.queryStart = path.indexOf('?');
  }

  /** The path without its query string. */
  get pathname(): string {
    return this.queryStart < 0 ? this.path : this.path.slice(0, this.queryStart);
  }

  get query(): URLSearchParams {
    this.parsedQuery ??= new URLSearchParams(this.queryStart < 0 ? '' : this.path.slice(this.queryStart + 1));
    return this.parsedQuery;
  }

  /** A header's value as route and RBAC matchers see it: repeated values joined, pseudo-headers resolved. */
  header(name: string): string | undefined {
    switch (name) {
      case ':method':
        return this.method;
      case ':path':
        return this.path;
      case ':authority':
      case 'host':
        return this.authority;
      case ':scheme':
        return this.scheme;
      default: {
        const value = this.headers[name];
        if (value === undefined) return undefined;
        return Array.isArray(value) ? value.join(name === 'cookie' ? '; ' : ',') : value;
      }
    }
  }

  cookie(name: string): string | undefined {
    const cookies = this.header('cookie');
    if (!cookies) return undefined;
    for (const pair of cookies.split(';')) {
      const eq = pair.indexOf('=');
      if (eq <= 0 || pair.slice(0, eq).trim() !== name) continue;
      const value = pair.slice(eq + 1).trim();
      // RFC 6265 allows a quoted value; the quotes are not part of it.
      return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
    }
    return undefined;
  }
}
