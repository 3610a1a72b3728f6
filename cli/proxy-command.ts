import pino from 'pino';
import { loadBootstrapFile, Proxy, ProxyError } from '../proxy';

/**
 * `meshform proxy --bootstrap <file>`: runs the sidecar until SIGTERM/SIGINT, then drains (stop
 * accepting, finish in-flight requests up to the bootstrap's drainTimeoutMs) and exits.
 * Resolves with the process exit code.
 */
export async function runProxy(bootstrapPath: string): Promise<number> {
  // Access logs are one line per request: buffered writes keep a syscall off every request.
  const destination = pino.destination({ dest: 1, sync: false, minLength: 8 * 1024 });
  const logger = pino({ base: { component: 'meshform-proxy' } }, destination);
  // A quiet proxy's warnings must not wait for the buffer to fill: whatever is held goes out within a second.
  setInterval(() => destination.flush(), 1000).unref();
  let proxy: Proxy;
  try {
    const bootstrap = loadBootstrapFile(bootstrapPath);
    proxy = new Proxy(bootstrap, { logger: logger.child({ node: bootstrap.node.id }) });
    await proxy.start();
  } catch (error) {
    const code = error instanceof ProxyError ? error.code : 'START_FAILED';
    logger.fatal({ event: 'proxy.start_failed', code, err: error }, 'proxy could not start');
    destination.flushSync();
    return 1;
  }
  return new Promise<number>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ event: 'proxy.signal', signal }, 'shutting down');
      void proxy.stop().then(() => {
        destination.flushSync();
        resolve(0);
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}
