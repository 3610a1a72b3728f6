import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('meshform analyze on Gateway API objects', () => {
  it('exits 1 and prints one line per unsupported field or refused reference, naming file, resource and field', () => {
    const run = spawnSync(process.execPath, [path.resolve('bin/meshform.cjs'), 'analyze', 'test/fixtures/gateway-api/shop'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\[GATEWAY_API_UNSUPPORTED\] test\/fixtures\/gateway-api\/shop\/gateway\.yaml#0 Gateway shop\/public: spec\.listeners\[1\]\.protocol is not supported: TCP/);
    expect(lines[1]).toMatch(/^\[GATEWAY_API_UNSUPPORTED\] .*routes\.yaml#1 HTTPRoute shop\/reviews-cors: spec\.rules\[0\]\.filters\[0\] is not supported: filter CORS/);
    expect(lines[2]).toMatch(/^\[GATEWAY_API_REF_NOT_PERMITTED\] .*routes\.yaml#2 HTTPRoute shop\/to-ratings: spec\.rules\[0\]\.backendRefs\[0\] Service ratings-ns\/ratings .*Fix: add a ReferenceGrant/);
  });
});
