import * as path from 'node:path';
import { ApiObject } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInputs } from '../../../cli/import-command';
import { importObjects } from '../../../lib/migrate';
import type { LocalMesh } from '../../../runner';
import { call, many, startMesh, tally } from './local-mesh-fixture';

// Istio's bookinfo patterns (test/fixtures/migrate/bookinfo), imported and run: routing, faults,
// redirects, STRICT mTLS and authorization behave as the Istio YAML says.
const imported = importObjects(readInputs([path.join(__dirname, '../../fixtures/migrate/bookinfo')]));

let mesh: LocalMesh;
beforeAll(async () => {
  // The ingress sidecar runs as service account web in bookinfo, which productpage's policy allows for GET /api/public/*.
  ({ mesh } = await startMesh((chart) => imported.resources.forEach((r, i) => new ApiObject(chart, `imported-${i}`, r))));
}, 90_000);
afterAll(() => mesh?.stop());

describe('the imported bookinfo on a local mesh', () => {
  it('routes reviews: jason and the premium cookie to v2, ?test=true to v3, the rest 90/10 between v1 and v3', async () => {
    for (const headers of [{ 'end-user': 'jason' }, { cookie: 'user=premium' }] as Record<string, string>[]) {
      const served = await many(20, 10, () => call(mesh, 'reviews', '/x', headers));
      expect(tally(served.map((r) => r.servedBy))).toEqual(new Map([['reviews-v2-0', 20]]));
    }
    expect((await call(mesh, 'reviews', '/reviews/1?test=true')).servedBy).toBe('reviews-v3-0');
    const split = tally((await many(1000, 50, () => call(mesh, 'reviews', '/x'))).map((r) => r.servedBy));
    expect([...split.keys()].sort()).toEqual(['reviews-v1-0', 'reviews-v3-0']);
    // n=1000, p=0.1: sd ≈ 9.5; ±4 sd.
    expect(split.get('reviews-v3-0')!).toBeGreaterThan(62);
    expect(split.get('reviews-v3-0')!).toBeLessThan(138);
  });

  it('redirects the old API with the code the VirtualService names', async () => {
    const r = await call(mesh, 'productpage', '/api/v0/products');
    expect(r.status).toBe(308);
    expect(r.headers.location).toMatch(/\/api\/v1\/$/);
  });

  it('lets service account web GET /api/public/* of productpage and nothing else; a path no rule routes is 404, as in Istio', async () => {
    expect((await call(mesh, 'productpage', '/api/public/1')).status).toBe(200);
    expect((await call(mesh, 'productpage', '/api/public/1', {}, 'POST')).status).toBe(403);
    expect((await call(mesh, 'productpage', '/productpage')).status).toBe(403);
    expect((await call(mesh, 'productpage', '/admin')).status).toBe(404);
  });

  it('denies ratings to everyone but reviews', async () => {
    // The ratings route injects faults for 10% of calls (a 500 abort, a 5 s delay) on the caller's
    // side, before the request reaches ratings' authorization, as in Istio: those may answer 500.
    const statuses = await Promise.all(Array.from({ length: 20 }, () => call(mesh, 'ratings', '/ratings/1').then((r) => r.status)));
    expect(statuses).toContain(403);
    expect(statuses.filter((s) => s !== 403 && s !== 500)).toEqual([]);
  });
});
