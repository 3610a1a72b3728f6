import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type UpstreamHandler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;

/** A test upstream on loopback. By default it answers 200 with JSON describing what it received. */
export class UpstreamServer {
  readonly received: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  private readonly server: http.Server;

  private constructor(
    readonly name: string,
    private handler: UpstreamHandler | undefined,
  ) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        this.received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: body.toString() });
        if (this.handler) return this.handler(req, res, body);
        const payload = JSON.stringify({ upstream: this.name, method: req.method, url: req.url, headers: req.headers, body: body.toString() });
        res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': this.name });
        res.end(payload);
      });
    });
  }

  static async start(name: string, handler?: UpstreamHandler, host = '127.0.0.1'): Promise<UpstreamServer> {
    const upstream = new UpstreamServer(name, handler);
    await new Promise<void>((resolve) => upstream.server.listen(0, host, resolve));
    return upstream;
  }

  setHandler(handler: UpstreamHandler | undefined): void {
    this.handler = handler;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get address(): string {
    return `${(this.server.address() as AddressInfo).address}:${this.port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
