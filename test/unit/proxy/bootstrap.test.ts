import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBootstrapFile, nodeMetadata, parseBootstrap } from '../../../proxy/bootstrap/bootstrap';
import { ProxyError } from '../../../proxy/errors';
import { Proxy } from '../../../proxy/proxy';
import { Backoff } from '../../../proxy/xds/backoff';

describe('bootstrap', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('fills defaults and keeps node metadata', () => {
    const bootstrap = parseBootstrap({ node: { id: 'n', metadata: { LABELS: { version: 'v1' } } }, controller: { address: '127.0.0.1:15010' }, admin: { port: 15000 } });
    expect(bootstrap).toMatchObject({ admin: { address: '127.0.0.1', port: 15000 }, drainTimeoutMs: 5000, controller: { initialBackoffMs: 250, maxBackoffMs: 10_000 } });
    expect(nodeMetadata(bootstrap)).toEqual({ LABELS: { version: 'v1' } });
  });

  it('sends the gateway role as node metadata GATEWAY, and refuses a gateway that is not <namespace>/<name>', () => {
    const bootstrap = parseBootstrap({ node: { id: 'router~1' }, controller: { address: '127.0.0.1:15010' }, admin: { port: 15000 }, gateway: 'shop/edge' });
    expect(nodeMetadata(bootstrap)).toEqual({ GATEWAY: 'shop/edge' });
    expect(() => parseBootstrap({ node: { id: 'router~1' }, controller: { address: '127.0.0.1:15010' }, admin: { port: 15000 }, gateway: 'edge' })).toThrow(/gateway: expected <namespace>\/<name>/);
  });

  it('names every invalid field with a stable code', () => {
    let error: unknown;
    try {
      parseBootstrap({ node: {}, controller: { address: 'no-port' }, admin: { port: 70000 } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ProxyError);
    expect((error as ProxyError).code).toBe('BOOTSTRAP_INVALID');
    expect((error as ProxyError).message).toMatch(/node\.id/);
    expect((error as ProxyError).message).toMatch(/controller\.address: expected host:port/);
    expect((error as ProxyError).message).toMatch(/admin\.port/);
  });

  it('reads YAML, resolves the token path next to the file and sends the token fresh', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshform-bootstrap-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'bootstrap.yaml'), 'node: { id: n }\ncontroller: { address: "127.0.0.1:1" }\nadmin: { port: 0 }\ntokenPath: token\n');
    writeFileSync(path.join(dir, 'token'), 'first\n');
    const bootstrap = loadBootstrapFile(path.join(dir, 'bootstrap.yaml'));
    expect(bootstrap.tokenPath).toBe(path.join(dir, 'token'));
    expect(nodeMetadata(bootstrap)['TOKEN']).toBe('first');
    writeFileSync(path.join(dir, 'token'), 'rotated\n');
    expect(nodeMetadata(bootstrap)['TOKEN']).toBe('rotated');
  });

  it('resolves the controller CA file next to the bootstrap; without one the controller is spoken to in plaintext', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshform-bootstrap-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'bootstrap.yaml'), 'node: { id: n }\ncontroller: { address: "meshform-controller.meshform-system.svc:15012", caFile: root-cert.pem }\nadmin: { port: 0 }\n');
    expect(loadBootstrapFile(path.join(dir, 'bootstrap.yaml')).controller.caFile).toBe(path.join(dir, 'root-cert.pem'));
    expect(parseBootstrap({ node: { id: 'n' }, controller: { address: '127.0.0.1:15010' }, admin: { port: 0 } }).controller.caFile).toBeUndefined();
  });

  describe('refuses to start with a controller CA file it cannot use', () => {
    const startWith = (caFile: string): ProxyError => {
      try {
        new Proxy(parseBootstrap({ node: { id: 'n' }, controller: { address: 'localhost:15012', caFile }, admin: { port: 0 } }));
      } catch (error) {
        return error as ProxyError;
      }
      throw new Error('the proxy accepted the CA file');
    };
    const file = (name: string, text: string) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'meshform-ca-file-'));
      dirs.push(dir);
      writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };

    it('missing', () => {
      const error = startWith('/nonexistent/root-cert.pem');
      expect(error).toBeInstanceOf(ProxyError);
      expect(error.code).toBe('CONTROLLER_CA_INVALID');
      expect(error.message).toMatch(/controller\.caFile \/nonexistent\/root-cert\.pem cannot be read \(ENOENT\).*Fix: mount the meshform-ca-root ConfigMap/);
    });

    it('holding no certificate', () => {
      const error = startWith(file('root-cert.pem', 'not a certificate\n'));
      expect(error.code).toBe('CONTROLLER_CA_INVALID');
      expect(error.message).toMatch(/root-cert\.pem holds no PEM certificate/);
    });

    it('holding a damaged certificate', () => {
      const error = startWith(file('root-cert.pem', '-----BEGIN CERTIFICATE-----\nMIIBnotbase64der\n-----END CERTIFICATE-----\n'));
      expect(error.code).toBe('CONTROLLER_CA_INVALID');
      expect(error.message).toMatch(/certificate 1 of 1 is not valid X\.509/);
    });
  });
});

describe('reconnect backoff', () => {
  it('doubles up to the maximum, jittered within the upper half, and starts over after a reset', () => {
    const lowest = new Backoff(100, 1_000, () => 0);
    expect([lowest.next(), lowest.next(), lowest.next(), lowest.next(), lowest.next()]).toEqual([50, 100, 200, 400, 500]);
    lowest.reset();
    expect(lowest.next()).toBe(50);
    const highest = new Backoff(100, 1_000, () => 1);
    expect([highest.next(), highest.next(), highest.next(), highest.next(), highest.next()]).toEqual([100, 200, 400, 800, 1_000]);
  });
});
