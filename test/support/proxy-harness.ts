import { Writable } from 'node:stream';
import pino from 'pino';
import { Proxy } from '../../proxy';
import { parseBootstrap, type BootstrapInput } from '../../proxy/bootstrap';
import type { TestXdsServer } from './xds-test-server';
import { waitFor } from './wait';

/** A proxy running in the test process, its JSON log lines kept for assertions. */
export interface ProxyUnderTest {
  proxy: Proxy;
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

export async function startProxy(xds: TestXdsServer, overrides: Partial<BootstrapInput> = {}): Promise<ProxyUnderTest> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const bootstrap = parseBootstrap({
    node: { id: 'sidecar~127.0.0.1~web.default~default.svc.cluster.local', cluster: 'web', metadata: { NAMESPACE: 'default', WORKLOAD: 'web' } },
    controller: { address: xds.address, initialBackoffMs: 20, maxBackoffMs: 200 },
    admin: { address: '127.0.0.1', port: 0 },
    drainTimeoutMs: 2_000,
    ...overrides,
  });
  const proxy = new Proxy(bootstrap, { logger: pino({ level: 'debug' }, sink) });
  await proxy.start();
  return { proxy, logs, stop: () => proxy.stop() };
}

/** Waits until a listener of the current config is bound and returns its port. */
export function listenerPort(proxy: Proxy, name: string): Promise<number> {
  return waitFor(`listener ${name}`, () => proxy.listenerPort(name));
}
