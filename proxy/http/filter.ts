import type { ProxyRequest } from './proxy-request';
import type { ProxyResponse } from './proxy-response';

/** Handles a request; resolves once the response has been started or the request handed on. */
export type Handler = (req: ProxyRequest, res: ProxyResponse) => Promise<void>;

/** A step of the HTTP filter chain: calls `next` to continue, or answers and returns to stop it. */
export type Filter = (next: Handler) => Handler;

/** Composes filters in order around a terminal handler (the router). Done once per config, not per request. */
export function compose(filters: readonly Filter[], terminal: Handler): Handler {
  return filters.reduceRight<Handler>((next, filter) => filter(next), terminal);
}
