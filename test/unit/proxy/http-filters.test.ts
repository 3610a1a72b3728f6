import { describe, expect, it } from 'vitest';
import { packAny, TypeUrl, unpackAny } from '../../../lib/xds';
import { compileFault, faultFilter } from '../../../proxy/filters/fault';
import { compileLocalRateLimit, localRateLimitFilter } from '../../../proxy/filters/local-rate-limit';
import { compose, type Handler } from '../../../proxy/http/filter';
import { stubRequest, stubResponse } from './request-stubs';

const decode = (typeUrl: string, config: object) => unpackAny(packAny(typeUrl, config));
const percent = (numerator: number) => ({ numerator, denominator: 'HUNDRED' });

function terminal(): Handler & { calls: number } {
  const handler = (async (_req, res) => {
    handler.calls += 1;
    res.writeHead(200, {});
    res.end();
  }) as Handler & { calls: number };
  handler.calls = 0;
  return handler;
}

describe('fault filter', () => {
  it('aborts every request at 100% and never calls the next filter', async () => {
    const next = terminal();
    const chain = compose([faultFilter('fault', compileFault(decode(TypeUrl.HttpFault, { abort: { http_status: 503, percentage: percent(100) } }), 'f'))], next);
    const res = stubResponse();
    await chain(stubRequest(), res);
    expect(res.status).toBe(503);
    expect(next.calls).toBe(0);
  });

  it('applies only to requests whose headers match', async () => {
    const config = compileFault(
      decode(TypeUrl.HttpFault, { abort: { http_status: 500, percentage: percent(100) }, headers: [{ name: 'x-chaos', string_match: { exact: 'on' } }] }),
      'f',
    );
    const next = terminal();
    const chain = compose([faultFilter('fault', config)], next);
    const plain = stubResponse();
    await chain(stubRequest(), plain);
    const chaos = stubResponse();
    await chain(stubRequest('/', { 'x-chaos': 'on' }), chaos);
    expect([plain.status, chaos.status]).toEqual([200, 500]);
  });

  it('answers a gRPC abort with the grpc-status header', async () => {
    const chain = compose([faultFilter('fault', compileFault(decode(TypeUrl.HttpFault, { abort: { grpc_status: 14, percentage: percent(100) } }), 'f'))], terminal());
    const res = stubResponse();
    await chain(stubRequest(), res);
    expect(res.status).toBe(200);
    expect(res.headers['grpc-status']).toBe('14');
  });
});

describe('local rate limit filter', () => {
  const bucket = (extra: object) =>
    compileLocalRateLimit(
      decode(TypeUrl.LocalRateLimit, { stat_prefix: 'x', token_bucket: { max_tokens: 1, tokens_per_fill: { value: 1 }, fill_interval: { seconds: 60 } }, ...extra }),
      'rl',
    );

  it('answers 429 once the bucket is empty, with the configured headers', async () => {
    const config = bucket({
      filter_enabled: { default_value: percent(100) },
      filter_enforced: { default_value: percent(100) },
      response_headers_to_add: [{ header: { key: 'x-limited', value: '1' } }],
    });
    const chain = compose([localRateLimitFilter('rl', config)], terminal());
    const first = stubResponse();
    const second = stubResponse();
    await chain(stubRequest(), first);
    await chain(stubRequest(), second);
    expect([first.status, second.status]).toEqual([200, 429]);
    expect(second.headers['x-limited']).toBe('1');
    expect(second.body).toContain('local rate limit exceeded');
  });

  it('only counts, never refuses, without filter_enforced (shadow mode)', async () => {
    const chain = compose([localRateLimitFilter('rl', bucket({ filter_enabled: { default_value: percent(100) } }))], terminal());
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const res = stubResponse();
      await chain(stubRequest(), res);
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200]);
  });
});
