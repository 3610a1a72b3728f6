import * as http from 'node:http';

export interface OtlpSink {
  /** The endpoint a Telemetry policy names; the exporter POSTs to <endpoint>/v1/traces. */
  readonly endpoint: string;
  /** Span batches received so far. */
  readonly batches: () => number;
  close(): Promise<void>;
}

/**
 * An OTLP/HTTP receiver that accepts and discards spans: the sidecars' exporter (proxy/telemetry/
 * tracing.ts) POSTs JSON batches to /v1/traces and logs any answer but 2xx, so the traced path pays
 * for building and sending its spans and nothing else. Runs inside the benchmark's own process: a
 * batch a second per sidecar is no load worth a process of its own.
 */
export async function startOtlpSink(host: string, port: number): Promise<OtlpSink> {
  let batches = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      const accepted = req.method === 'POST' && req.url === '/v1/traces';
      if (accepted) batches++;
      res.writeHead(accepted ? 200 : 404, { 'content-type': 'application/json' }).end(accepted ? '{}' : '');
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return {
    endpoint: `http://${host}:${port}`,
    batches: () => batches,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
