import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';

/**
 * One call made from inside a network namespace, as an app of the pod makes it (run as root there,
 * so capture treats it as the app's); prints what came back as one JSON line:
 *   http <url> [host]                 GET, `{ status, body }`
 *   https <url> <ca file> <servername> GET verifying the server, `{ status, body }`
 *   tcp <host> <port>                 connect and read until the server closes, `{ data }`
 * A failure prints `{ error }` (the code, e.g. ECONNREFUSED, or the message), with what arrived before.
 */
const [mode, ...args] = process.argv.slice(2) as [string, ...string[]];
const TIMEOUT_MS = 5_000;
const print = (answer: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(answer)}\n`);
const failure = (error: Error & { code?: string }) => error.code ?? error.message;

function get(request: http.ClientRequest): void {
  request.on('response', (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (body += chunk));
    res.on('end', () => print({ status: res.statusCode, body }));
  });
  request.setTimeout(TIMEOUT_MS, () => request.destroy(new Error('timeout')));
  request.on('error', (error) => print({ error: failure(error) }));
}

if (mode === 'http') {
  const [url, host] = args as [string, string | undefined];
  get(http.get(url, { headers: host ? { host } : {} }));
} else if (mode === 'https') {
  const [url, caFile, servername] = args as [string, string, string];
  get(https.get(url, { ca: fs.readFileSync(caFile), servername }));
} else if (mode === 'tcp') {
  const [host, port] = args as [string, string];
  let data = '';
  let error: string | undefined;
  const socket = net.connect({ host, port: Number(port) });
  socket.setEncoding('utf8');
  socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('timeout')));
  socket.on('data', (chunk: string) => (data += chunk));
  socket.on('error', (e) => (error = failure(e)));
  socket.on('close', () => print({ data, ...(error ? { error } : {}) }));
} else {
  throw new Error(`unknown mode ${mode}: http, https or tcp`);
}
