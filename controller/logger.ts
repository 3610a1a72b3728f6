import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stderr (stdout stays free for the CLI); `silent` in tests. */
export function createLogger(level: string = process.env['MESHFORM_LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ name: 'meshform-controller', level }, pino.destination(2));
}
