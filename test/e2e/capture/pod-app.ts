import * as http from 'node:http';

/**
 * The application of the test's pods, as an app in a real pod would be: it listens on every
 * address of its port (the case that collides with a sidecar binding the same port) and calls
 * another service by its cluster address with the service's name as Host, as after a DNS lookup.
 *   GET /health      200, what the kubelet probes
 *   GET /whoami      who answered, and the caller's identity as the inbound sidecar forwarded it
 *   GET /call?to=<ip:port>&host=<authority>   calls <ip:port>/whoami, answers with what came back
 */
const [name, host, port] = process.argv.slice(2) as [string, string, string];

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://app');
  const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  if (url.pathname === '/health') return json(200, { ok: true });
  if (url.pathname === '/whoami') return json(200, { name, caller: req.headers['x-forwarded-client-cert'] ?? null });
  if (url.pathname === '/call') {
    const [toHost, toPort] = (url.searchParams.get('to') ?? '').split(':');
    const out = http.get({ host: toHost, port: Number(toPort), path: '/whoami', headers: { host: url.searchParams.get('host') ?? '' } }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => json(200, { status: answer.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    out.on('error', (error) => json(502, { error: error.message }));
    return;
  }
  json(404, {});
});
server.listen(Number(port), host, () => console.log(`listening ${host}:${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
