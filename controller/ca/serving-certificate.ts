import { experimental } from '@grpc/grpc-js';

/**
 * The xDS server's own certificate as a gRPC certificate provider, so the controller can replace it
 * (renewal, root rotation) while serving: new handshakes present the new one, open streams stay.
 */
export class ServingCertificate implements experimental.CertificateProvider {
  private current: experimental.IdentityCertificateUpdate | null = null;
  private readonly listeners = new Set<experimental.IdentityCertificateUpdateListener>();

  set(certificateChainPem: string, privateKeyPem: string): void {
    this.current = { certificate: Buffer.from(certificateChainPem), privateKey: Buffer.from(privateKeyPem) };
    for (const listener of this.listeners) listener(this.current);
  }

  addIdentityCertificateListener(listener: experimental.IdentityCertificateUpdateListener): void {
    this.listeners.add(listener);
    // Later, as grpc-js's own providers do: the server registers its watcher only after adding this listener.
    const current = this.current;
    if (current) process.nextTick(() => listener(current));
  }

  removeIdentityCertificateListener(listener: experimental.IdentityCertificateUpdateListener): void {
    this.listeners.delete(listener);
  }

  // Clients are not asked for certificates: proxies prove who they are with their token.
  addCaCertificateListener(): void {}

  removeCaCertificateListener(): void {}
}
