import * as http from 'node:http';
import { knobsFromEnv, shouldFail, updateKnobs, type Knobs } from './knobs';
import { propagatedHeaders } from './propagation';

/** The bookinfo roles; any other role answers with who served it and what it received. */
export type DemoRole = 'productpage' | 'details' | 'reviews' | 'ratings' | (string & {});

/** Which role a process plays and whom it calls. */
export interface DemoServiceOptions {
  readonly role: DemoRole;
  readonly version: string;
  /** Instance name shown in answers, e.g. `reviews-v2-0`. */
  readonly instance: string;
  readonly host: string;
  readonly port: number;
  /** Base URL per called service (through the sidecar's outbound listener, or direct). */
  readonly calls: Readonly<Record<string, string>>;
  readonly knobs: Knobs;
}

type Answer = { status: number; body: Record<string, unknown> };

/**
 * A small real HTTP service of the bookinfo demo. Every answer says who served it; knobs add
 * latency and failures so tests and the canary demo have something to observe.
 */
export class DemoService {
  private currentKnobs: Knobs;
  private readonly server: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private requests = 0;

  constructor(private readonly options: DemoServiceOptions) {
    this.currentKnobs = { ...options.knobs };
    this.server = http.createServer((req, res) => {
      this.handle(req).then(
        (answer) => this.send(res, answer),
        (err: unknown) => this.send(res, { status: 500, body: { error: err instanceof Error ? err.message : String(err) } }),
      );
    });
  }

  /** Resolves with the bound address once listening. */
  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        const address = this.server.address() as { address: string; port: number };
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  close(): Promise<void> {
    this.agent.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private send(res: http.ServerResponse, answer: Answer): void {
    const body = JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-served-by': this.options.instance });
    res.end(body);
  }

  private async handle(req: http.IncomingMessage): Promise<Answer> {
    const url = new URL(req.url ?? '/', 'http://demo');
    const body = await readBody(req);
    if (url.pathname === '/healthz') return { status: 200, body: { ok: true } };
    if (url.pathname === '/admin/knobs') {
      if (req.method === 'POST') this.setKnobs(JSON.parse(body || '{}') as Record<string, unknown>);
      return { status: 200, body: { ...this.stats() } };
    }
    this.requests += 1;
    if (this.currentKnobs.latencyMs > 0) await new Promise((r) => setTimeout(r, this.currentKnobs.latencyMs));
    const servedBy = { service: this.options.role, version: this.options.version, instance: this.options.instance };
    if (shouldFail(this.currentKnobs)) return { status: this.currentKnobs.failureStatus, body: { error: 'injected failure', servedBy } };
    if (url.pathname.startsWith('/call/')) {
      // `/call/<service>/<path>`: this workload calls another through its sidecar, so tests and
      // demos can make a request with this workload's identity.
      const [, , target, ...rest] = url.pathname.split('/');
      const answer = await this.call(target!, `/${rest.join('/')}${url.search}`, propagatedHeaders(req.headers), req.method ?? 'GET');
      return { status: 200, body: { servedBy, call: answer } };
    }
    if (url.pathname === '/echo') {
      return { status: 200, body: { servedBy, method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, bodyBytes: body.length } };
    }
    return { status: 200, body: { servedBy, ...(await this.roleAnswer(url, req)) } };
  }

  private async roleAnswer(url: URL, req: http.IncomingMessage): Promise<Record<string, unknown>> {
    const id = url.pathname.split('/').pop() || '0';
    const headers = propagatedHeaders(req.headers);
    switch (this.options.role) {
      case 'productpage': {
        const [details, reviews] = await Promise.all([this.call('details', `/details/${id}`, headers), this.call('reviews', `/reviews/${id}`, headers)]);
        return { product: id, details, reviews };
      }
      case 'details':
        return { id, author: 'William Shakespeare', year: 1595, type: 'paperback', pages: 200 };
      case 'reviews': {
        const stars = this.options.version === 'v1' ? undefined : await this.call('ratings', `/ratings/${id}`, headers);
        return { id, reviews: [{ reviewer: 'Reviewer1', text: 'An extremely entertaining play by Shakespeare.' }], color: this.options.version === 'v3' ? 'red' : this.options.version === 'v2' ? 'black' : undefined, ratings: stars };
      }
      case 'ratings':
        return { id, ratings: { Reviewer1: 5, Reviewer2: 4 } };
      default:
        return { path: url.pathname, method: req.method };
    }
  }

  /** The live knobs (shared with the instance's gRPC face). */
  knobs(): Knobs {
    return this.currentKnobs;
  }

  /** Current knobs and the number of requests served (not counting health and admin calls). */
  stats(): Knobs & { requests: number } {
    return { ...this.currentKnobs, requests: this.requests };
  }

  /** Changes behaviour live, as `POST /admin/knobs` does. */
  setKnobs(update: Readonly<Record<string, unknown>>): void {
    this.currentKnobs = updateKnobs(this.currentKnobs, update);
  }

  /** Calls another service; its failure becomes part of the answer, as bookinfo shows "unavailable". */
  private call(service: string, path: string, headers: Record<string, string>, method = 'GET'): Promise<Record<string, unknown>> {
    const base = this.options.calls[service];
    if (base === undefined) return Promise.resolve({ error: `no route to ${service} configured` });
    const target = new URL(path, base);
    return new Promise((resolve) => {
      const req = http.request(target, { method, agent: this.agent, headers: { ...headers, host: `${service}:${target.port || 80}` } }, (res) => {
        readBody(res).then((text) => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Proxies answer errors in plain text; keep it as it came.
          }
          resolve({ status: res.statusCode, body: parsed });
        }, () => resolve({ status: res.statusCode, error: 'response cut off' }));
      });
      req.on('error', (err) => resolve({ error: err.message }));
      req.end();
    });
  }
}

function readBody(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

/** Options from the environment a runner gives a demo process (`CALL_<SERVICE>=<base url>`). */
export function demoOptionsFromEnv(env: NodeJS.ProcessEnv): DemoServiceOptions {
  const role = env.ROLE;
  if (!role) throw new Error('ROLE is required: productpage, details, reviews, ratings, or any name for a plain service');
  const calls = Object.fromEntries(
    Object.entries(env)
      .filter(([k, v]) => k.startsWith('CALL_') && v)
      .map(([k, v]) => [k.slice(5).toLowerCase(), v!]),
  );
  const version = env.VERSION ?? 'v1';
  return { role, version, instance: env.INSTANCE ?? `${role}-${version}`, host: env.HOST ?? '127.0.0.1', port: Number(env.PORT ?? 0), calls, knobs: knobsFromEnv(env) };
}
