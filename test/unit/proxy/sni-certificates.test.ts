import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { SecureContext } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import type { CompiledSecret, DownstreamTls } from '../../../proxy/config/tls-config';
import { serverSecureContext, sniChooser } from '../../../proxy/tls/secure-contexts';

const dir = mkdtempSync(path.join(tmpdir(), 'meshform-sni-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A self-signed certificate for `dns` as an SDS secret. */
function secret(name: string, dns: string): CompiledSecret {
  const [key, cert] = [path.join(dir, `${name}.key`), path.join(dir, `${name}.crt`)];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${dns}`, '-days', '1'], { stdio: 'pipe' });
  return { name, certificateChain: readFileSync(cert, 'utf8'), privateKey: readFileSync(key, 'utf8'), trustedCa: undefined };
}

const tlsOf = (names: string[]): DownstreamTls => ({ certificateSecrets: names, validationSecret: undefined, alpn: [], requireClientCertificate: false });

describe('certificates chosen by SNI', () => {
  const secrets = new Map([secret('shop', 'shop.example.com'), secret('wild', '*.example.org')].map((s) => [s.name, s]));
  const contextOf = (name: string) => serverSecureContext(tlsOf([name]), secrets)!;
  const choose = (servername: string) =>
    new Promise<SecureContext | undefined>((resolve) => sniChooser(tlsOf(['shop', 'wild']), secrets)!(servername, (_error, context) => resolve(context)));

  it('serves the certificate naming the host, a wildcard one for one more label, else the first', async () => {
    expect(await choose('shop.example.com')).toBe(contextOf('shop'));
    expect(await choose('api.example.org')).toBe(contextOf('wild'));
    expect(await choose('a.b.example.org')).toBe(contextOf('shop'));
    expect(await choose('unknown.test')).toBe(contextOf('shop'));
  });

  it('needs no chooser for one certificate, and skips a secret that has not arrived', async () => {
    expect(sniChooser(tlsOf(['shop']), secrets)).toBeUndefined();
    const chooser = sniChooser(tlsOf(['missing', 'wild']), secrets)!;
    const context = await new Promise((resolve) => chooser('shop.example.com', (_e, c) => resolve(c)));
    expect(context).toBe(contextOf('wild'));
  });
});
