import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseControllerArgs } from '../../../cli/controller-command';

describe('meshform controller arguments', () => {
  it('defaults local mode to loopback, plaintext xDS and the default registry path', () => {
    expect(parseControllerArgs(['--local', 'dist'])).toEqual({
      mode: { kind: 'local', manifestsDir: path.resolve('dist'), registryFile: path.resolve('.meshform/registry.json') },
      host: '127.0.0.1',
      xdsPort: 15010,
      adminPort: 15014,
      xdsTls: false,
    });
  });

  it('defaults Kubernetes mode to all interfaces and TLS', () => {
    expect(parseControllerArgs(['--kubernetes', '--namespace', 'mesh', '--token-audience', 'meshform'])).toMatchObject({
      mode: { kind: 'kubernetes', namespace: 'mesh', tokenAudiences: ['meshform'] },
      host: '0.0.0.0',
      xdsPort: 15012,
      xdsTls: true,
    });
  });

  it('takes ports, debounce, certificate lifetime and a provided CA', () => {
    expect(parseControllerArgs(['--local', 'd', '--xds-port', '0', '--admin-port', '9', '--metrics-port', '65535', '--debounce-ms', '5', '--cert-ttl', '1h', '--ca-cert', 'c.pem', '--ca-key', 'k.pem'])).toMatchObject({
      xdsPort: 0,
      adminPort: 9,
      metricsPort: 65535,
      debounceMs: 5,
      workloadTtlMs: 3_600_000,
      providedCa: { certFile: 'c.pem', keyFile: 'k.pem' },
    });
  });

  it('refuses bad arguments with a stable code and the usage', () => {
    expect(() => parseControllerArgs([])).toThrow(/CONTROLLER_BAD_ARGUMENTS.*--local <dir> or --kubernetes/s);
    expect(() => parseControllerArgs(['--local', 'd', '--kubernetes'])).toThrow(/exactly one/);
    expect(() => parseControllerArgs(['--local', 'd', '--xds-port', '70000'])).toThrow(/port number/);
    expect(() => parseControllerArgs(['--local', 'd', '--metrics-port', '65536'])).toThrow(/--metrics-port is 65536/);
    expect(() => parseControllerArgs(['--local', 'd', '--metrics-port=-1'])).toThrow(/--metrics-port is -1/);
    expect(() => parseControllerArgs(['--local', 'd', '--ca-cert', 'c.pem'])).toThrow(/go together/);
    expect(() => parseControllerArgs(['--local', 'd', '--cert-ttl', 'soon'])).toThrow(/--cert-ttl/);
    expect(() => parseControllerArgs(['--local', 'd', '--bogus'])).toThrow(/usage/);
  });
});
