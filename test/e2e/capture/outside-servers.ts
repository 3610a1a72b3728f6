import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';

/**
 * Servers a pod reaches outside the mesh, on the node side of the test's veth:
 *   <address> <port> tcp                       writes a banner to each connection and closes it
 *   <address> <port> https <cert> <key>        the API server's stand-in: GET /version answers 200
 * Prints `listening <address>:<port>` once serving; SIGTERM stops it.
 */
const [address, port, kind, certFile, keyFile] = process.argv.slice(2) as [string, string, string, string?, string?];

const server =
  kind === 'tcp'
    ? net.createServer((socket) => socket.end(`banner from ${address}:${port}\n`))
    : https.createServer({ cert: fs.readFileSync(certFile!), key: fs.readFileSync(keyFile!) }, (req, res) => {
        res.writeHead(req.url === '/version' ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(req.url === '/version' ? { major: '1', minor: '31', gitVersion: 'stand-in' } : {}));
      });
server.listen(Number(port), address, () => console.log(`listening ${address}:${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
