import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ADMISSION_PATHS, type InjectionConfig, type MeshCapture } from '../../lib/injection';
import { admissionResponse, parseAdmissionReview, type AdmissionDecision, type AdmissionRequest } from './admission-review';
import { reviewInjection } from './inject-review';
import { reviewValidation } from './validate-review';

/** The API server sends at most a few MiB; more is not an AdmissionReview. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface WebhookServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host: string;
  /** PEM serving certificate (chain) and key; the API server only calls webhooks over TLS. */
  readonly tls: { readonly cert: string; readonly key: string };
  /** The sidecar the mutating webhook injects. */
  readonly injection: InjectionConfig;
  /** The mesh's ports and outbound policy now (MeshCaptureWatch), undefined until known; read at each admission. */
  readonly mesh: () => MeshCapture | undefined;
  readonly logger?: Logger;
}

export interface WebhookServer {
  readonly port: number;
  close(): Promise<void>;
}

type Handler = (request: AdmissionRequest) => AdmissionDecision;

/**
 * The admission webhooks over HTTPS: `/inject` and `/inject-opt-in` (mutating, lib/injection) and
 * `/validate` (validating, lib/validation). A body that is not an AdmissionReview is answered 400
 * with the reason; a handler that throws answers a denial; neither stops the server. `/healthz`
 * answers 200 for probes.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const handlers: Record<string, Handler> = {
    [ADMISSION_PATHS.inject]: (r) => reviewInjection(r, options.injection, options.mesh(), false),
    [ADMISSION_PATHS.injectOptIn]: (r) => reviewInjection(r, options.injection, options.mesh(), true),
    [ADMISSION_PATHS.validate]: reviewValidation,
  };
  const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, (req, res) => {
    handle(req, res, handlers, options.logger).catch((error: unknown) => {
      options.logger?.error({ err: error }, 'webhook request failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    });
  });
  // Requests that stall (slowloris) must not hold sockets: the API server's own timeout is 10 s at most.
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(req: IncomingMessage, res: ServerResponse, handlers: Record<string, Handler>, logger: Logger | undefined): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  if (path === '/healthz') return send(res, 200, { status: 'ok' });
  const handler = handlers[path];
  if (!handler) return send(res, 404, { error: `no webhook at ${path}`, paths: [...Object.keys(handlers), '/healthz'] });
  if (req.method !== 'POST') return send(res, 405, { error: 'POST an AdmissionReview' });
  const body = await readBody(req);
  if (body === undefined) return send(res, 413, { error: `an AdmissionReview is at most ${MAX_BODY_BYTES} bytes` });
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return send(res, 400, { error: `malformed AdmissionReview: not JSON (${(error as Error).message})` });
  }
  const request = parseAdmissionReview(json);
  if (typeof request === 'string') return send(res, 400, { error: request });
  let decision: AdmissionDecision;
  try {
    decision = handler(request);
  } catch (error) {
    decision = { allowed: false, code: 500, message: `webhook error: ${(error as Error).message}` };
  }
  logger?.info({ event: 'admission', path, uid: request.uid, namespace: request.namespace, allowed: decision.allowed, patched: decision.patch !== undefined }, 'admission reviewed');
  send(res, 200, admissionResponse(request.uid, decision));
}
