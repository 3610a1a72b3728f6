import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { controllerCommand } from '../../../cli/commands/controller';
import * as controller from '../../../cli/controller-command';
import { main } from '../../../cli/main';
import { runProgram } from '../../../cli/program';

const quiet = { writeOut: () => {}, writeErr: () => {} };

/** The run options a command line maps to, parsed by the real declaration (its action replaced, so nothing starts). */
async function runOptionsOf(argv: string[]): Promise<ReturnType<typeof controller.controllerRunOptions>> {
  let options: ReturnType<typeof controller.controllerRunOptions> | undefined;
  const command = controllerCommand(() => controller).action((flags: controller.ControllerFlags) => {
    options = controller.controllerRunOptions(flags);
  });
  expect(await runProgram(command, argv, quiet)).toBe(0);
  return options!;
}

/** Exit code and stderr of `meshform controller <argv>`, run in-process. */
async function refused(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await main(['controller', ...argv], { writeOut: () => {}, writeErr: (text) => (stderr += text) });
  return { code, stderr };
}

describe('meshform controller arguments', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('defaults local mode to loopback, plaintext xDS and the default registry path', async () => {
    expect(await runOptionsOf(['--local', 'dist'])).toEqual({
      mode: { kind: 'local', manifestsDir: path.resolve('dist'), registryFile: path.resolve('.meshform/registry.json') },
      host: '127.0.0.1',
      xdsPort: 15010,
      adminPort: 15014,
      xdsTls: false,
    });
  });

  it('defaults Kubernetes mode to all interfaces and TLS', async () => {
    expect(await runOptionsOf(['--kubernetes', '--namespace', 'mesh', '--token-audience', 'meshform', '--token-audience=other'])).toMatchObject({
      mode: { kind: 'kubernetes', namespace: 'mesh', tokenAudiences: ['meshform', 'other'] },
      host: '0.0.0.0',
      xdsPort: 15012,
      xdsTls: true,
    });
    expect(await runOptionsOf(['--kubernetes', '--no-xds-tls'])).toMatchObject({ xdsTls: false });
  });

  it("takes the namespace and the pod name from the pod's environment unless given, else the defaults", async () => {
    vi.stubEnv('POD_NAMESPACE', undefined);
    vi.stubEnv('POD_NAME', undefined);
    expect(await runOptionsOf(['--kubernetes'])).toMatchObject({ mode: { namespace: 'meshform-system', podName: '' } });
    vi.stubEnv('POD_NAMESPACE', 'from-env');
    vi.stubEnv('POD_NAME', 'controller-0');
    expect(await runOptionsOf(['--kubernetes'])).toMatchObject({ mode: { namespace: 'from-env', podName: 'controller-0' } });
    expect(await runOptionsOf(['--kubernetes', '--namespace', 'mesh', '--pod-name', 'b'])).toMatchObject({ mode: { namespace: 'mesh', podName: 'b' } });
  });

  it('takes ports, debounce, certificate lifetime and a provided CA', async () => {
    expect(await runOptionsOf(['--local', 'd', '--xds-port', '0', '--admin-port=65535', '--metrics-port', '9', '--debounce-ms', '5', '--cert-ttl', '1h', '--ca-cert', 'c.pem', '--ca-key', 'k.pem'])).toMatchObject({
      xdsPort: 0,
      adminPort: 65535,
      metricsPort: 9,
      debounceMs: 5,
      workloadTtlMs: 3_600_000,
      providedCa: { certFile: 'c.pem', keyFile: 'k.pem' },
    });
  });

  it('refuses bad arguments with exit 2, a line naming the problem and the usage', async () => {
    const cases: [string[], RegExp][] = [
      [[], /error: choose one of --local <dir> or --kubernetes/],
      [['--local', 'd', '--kubernetes'], /error: option '--local <dir>' cannot be used with option '--kubernetes'/],
      [['--local', 'd', '--xds-port', '65536'], /error: option '--xds-port <n>' argument '65536' is invalid\. A port is 0 to 65535/],
      [['--local', 'd', '--admin-port', 'http'], /error: option '--admin-port <n>' argument 'http' is invalid/],
      [['--local', 'd', '--metrics-port', '65536'], /error: option '--metrics-port <n>' argument '65536' is invalid/],
      [['--local', 'd', '--metrics-port=-1'], /error: option '--metrics-port <n>' argument '-1' is invalid/],
      [['--local', 'd', '--debounce-ms', '-1'], /error: option '--debounce-ms <n>' argument '-1' is invalid/],
      [['--local', 'd', '--ca-cert', 'c.pem'], /error: --ca-cert and --ca-key go together/],
      [['--local', 'd', '--cert-ttl', 'soon'], /error: option '--cert-ttl <duration>' argument 'soon' is invalid\. "soon" is not a duration/],
      [['--local', 'd', '--bogus'], /error: unknown option '--bogus'/],
    ];
    for (const [argv, message] of cases) {
      const { code, stderr } = await refused(argv);
      expect({ argv, code }).toEqual({ argv, code: 2 });
      expect(stderr).toMatch(message);
      expect(stderr).toContain('Usage: meshform controller --local <dir> | --kubernetes [options]');
    }
  });
});
