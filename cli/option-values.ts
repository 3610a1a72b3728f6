// Parsers of option values for commander: a bad value is a usage error naming the option
// ("option '--xds-port <n>' argument 'x' is invalid. …"). Not imported by the proxy's image entry.
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../lib/api/duration';

/** A TCP port; 0 asks the system for a free one. */
export function portNumber(text: string): number {
  const n = wholeNumber(text);
  if (n > 65535) throw new InvalidArgumentError('A port is 0 to 65535 (0 picks a free one).');
  return n;
}

/** A whole number, 0 or more, written in decimal digits. */
export function wholeNumber(text: string): number {
  if (!/^[0-9]+$/.test(text)) throw new InvalidArgumentError('It must be a whole number (0 or more).');
  return Number(text);
}

/** A duration like "250ms", "10s", "1m30s" or "24h", in milliseconds. */
export function durationMs(text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** An option given once per value (`--env dev --env prod`): the values in order. */
export function repeatable(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A number above 0, written in decimal ("0.0445", "12"). */
export function positiveNumber(text: string): number {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || Number(text) <= 0) throw new InvalidArgumentError('It must be a number above 0, like 0.05.');
  return Number(text);
}

/** An http:// or https:// URL, like http://prometheus.monitoring:9090. */
export function httpUrl(text: string): string {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') throw new InvalidArgumentError('It must be an http:// or https:// URL, like http://prometheus.monitoring:9090.');
  return text;
}
