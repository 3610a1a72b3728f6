import * as tls from 'node:tls';

/**
 * One TLS handshake with a server on loopback as a gRPC client dialling `serverName` makes it (SNI,
 * ALPN h2, the name checked against the certificate, `ca` as the only roots); resolves with the
 * certificate the server presented, rejects with the verification error.
 */
export function tlsHandshake(port: number, serverName: string, ca: string): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: serverName, ca, ALPNProtocols: ['h2'] }, () => {
      const certificate = socket.getPeerCertificate();
      socket.end();
      resolve(certificate);
    });
    socket.on('error', reject);
  });
}
