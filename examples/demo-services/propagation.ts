import type { IncomingHttpHeaders } from 'node:http';

// Headers an application must copy from the request it serves to the requests it makes, so the
// mesh can stitch one trace and route by user (Istio's bookinfo does the same).
const PROPAGATED = ['x-request-id', 'traceparent', 'tracestate', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled', 'end-user', 'cookie', 'canary', 'authorization'];

export function propagatedHeaders(incoming: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PROPAGATED) {
    const value = incoming[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}
