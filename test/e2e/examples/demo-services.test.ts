import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoService, knobsFromEnv } from '../../../examples/demo-services';

const started: DemoService[] = [];
async function start(role: 'productpage' | 'details' | 'reviews' | 'ratings', version: string, calls: Record<string, string> = {}) {
  const svc = new DemoService({ role, version, instance: `${role}-${version}`, host: '127.0.0.1', port: 0, calls, knobs: knobsFromEnv({}) });
  started.push(svc);
  const { port } = await svc.listen();
  return `http://127.0.0.1:${port}`;
}
afterAll(() => Promise.all(started.map((s) => s.close())));

describe('the bookinfo demo services', () => {
  let productpage: string;
  let ratings: string;
  beforeAll(async () => {
    ratings = await start('ratings', 'v1');
    const reviews = await start('reviews', 'v3', { ratings });
    const details = await start('details', 'v1');
    productpage = await start('productpage', 'v1', { details, reviews });
  });

  it('productpage calls details and reviews, reviews v3 calls ratings, propagating the request id', async () => {
    const res = await fetch(`${productpage}/productpage/7`, { headers: { 'x-request-id': 'abc' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-served-by')).toBe('productpage-v1');
    const body = (await res.json()) as any;
    expect(body.details.body.id).toBe('7');
    expect(body.reviews.body.color).toBe('red');
    expect(body.reviews.body.ratings.body.ratings.Reviewer1).toBe(5);
  });

  it('fails the next two requests when told to, then recovers', async () => {
    const set = await fetch(`${ratings}/admin/knobs`, { method: 'POST', body: JSON.stringify({ failNext: 2 }) });
    expect(set.status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${ratings}/ratings/1`)).status);
    expect(statuses).toEqual([503, 503, 200]);
  });

  it('echoes what it received', async () => {
    const res = await fetch(`${ratings}/echo?test=true`, { headers: { 'end-user': 'jason' } });
    const body = (await res.json()) as any;
    expect(body.query).toEqual({ test: 'true' });
    expect(body.headers['end-user']).toBe('jason');
  });
});
