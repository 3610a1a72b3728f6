import { describe, expect, it } from 'vitest';
import { parseBootstrap } from '../../../proxy/bootstrap/bootstrap';
import { ProxyError } from '../../../proxy/errors';

const base = { node: { id: 'n' }, controller: { address: '127.0.0.1:15010' }, admin: { port: 15000 } };

function invalid(extra: Record<string, unknown>): ProxyError {
  try {
    parseBootstrap({ ...base, ...extra });
  } catch (error) {
    expect(error).toBeInstanceOf(ProxyError);
    expect((error as ProxyError).code).toBe('BOOTSTRAP_INVALID');
    return error as ProxyError;
  }
  throw new Error('expected the bootstrap to be refused');
}

describe('bootstrap health listener and app probes', () => {
  it('has neither by default', () => {
    const bootstrap = parseBootstrap(base);
    expect(bootstrap.health).toBeUndefined();
    expect(bootstrap.appProbes).toEqual({});
  });

  it('binds the health listener on all addresses unless told otherwise', () => {
    expect(parseBootstrap({ ...base, health: { port: 15021 } }).health).toEqual({ address: '0.0.0.0', port: 15021 });
  });

  it('fills the kubelet defaults of each probe kind', () => {
    const { appProbes } = parseBootstrap({
      ...base,
      appProbes: {
        'web/livez': { httpGet: { port: 8080 } },
        'web/readyz': { httpGet: { port: 8443, path: 'ready', scheme: 'HTTPS', httpHeaders: [{ name: 'Host', value: 'web' }] }, timeoutSeconds: 3 },
        'sidecar-db/startupz': { tcpSocket: { port: 5432 } },
        'grpc-app/readyz': { grpc: { port: 9090 } },
      },
    });
    expect(appProbes).toEqual({
      'web/livez': { httpGet: { port: 8080, path: '/', scheme: 'HTTP', httpHeaders: [] }, timeoutSeconds: 1 },
      'web/readyz': { httpGet: { port: 8443, path: '/ready', scheme: 'HTTPS', httpHeaders: [{ name: 'Host', value: 'web' }] }, timeoutSeconds: 3 },
      'sidecar-db/startupz': { tcpSocket: { port: 5432 }, timeoutSeconds: 1 },
      'grpc-app/readyz': { grpc: { port: 9090, service: '' }, timeoutSeconds: 1 },
    });
  });

  it('names the offending field of a bad probe', () => {
    const error = invalid({
      appProbes: {
        'web/livez': { httpGet: { port: 'http' } },
        'web/readyz': { tcpSocket: { port: 80, host: 'elsewhere' } },
        'web/startupz': { grpc: { port: 9090 }, timeoutSeconds: 0 },
      },
    });
    expect(error.message).toMatch(/appProbes\.web\/livez\.httpGet\.port: /);
    expect(error.message).toMatch(/appProbes\.web\/readyz\.tcpSocket: Unrecognized key: "host"/);
    expect(error.message).toMatch(/appProbes\.web\/startupz\.timeoutSeconds: /);
  });

  it('wants exactly one action per probe', () => {
    expect(invalid({ appProbes: { 'web/livez': { httpGet: { port: 80 }, tcpSocket: { port: 80 } } } }).message).toMatch(
      /appProbes\.web\/livez: set exactly one of httpGet, tcpSocket, grpc/,
    );
    expect(invalid({ appProbes: { 'web/livez': { timeoutSeconds: 2 } } }).message).toMatch(/appProbes\.web\/livez: set exactly one/);
  });

  it('refuses a key that is not <container>/<livez|readyz|startupz>', () => {
    expect(invalid({ appProbes: { 'web/healthz': { tcpSocket: { port: 80 } } } }).message).toMatch(
      /appProbes\.web\/healthz: key must be <container>\/<livez\|readyz\|startupz>/,
    );
  });
});
