import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshModel } from '../../../lib/model';
import type { MeshResource } from '../../../lib/api';
import { describePolicies, guideCalls } from '../../../runner';

const ns = { namespace: 'shop' };
const resources = [
  { apiVersion: 'meshform.dev/v1alpha1', kind: 'MeshService', metadata: { name: 'reviews', ...ns }, spec: { ports: [{ port: 9080, protocol: 'http' }], calls: [{ name: 'ratings' }] } },
  { apiVersion: 'meshform.dev/v1alpha1', kind: 'MeshService', metadata: { name: 'ratings', ...ns }, spec: { ports: [{ port: 9080, protocol: 'http' }] } },
  { apiVersion: 'meshform.dev/v1alpha1', kind: 'AccessPolicy', metadata: { name: 'ratings-deny-all', ...ns }, spec: { targetRef: { kind: 'MeshService', name: 'ratings' }, action: 'ALLOW', rules: [] } },
  { apiVersion: 'meshform.dev/v1alpha1', kind: 'AccessPolicy', metadata: { name: 'ratings-from-reviews', ...ns }, spec: { targetRef: { kind: 'MeshService', name: 'ratings' }, action: 'ALLOW', rules: [{ from: [{ serviceAccounts: ['reviews'], namespaces: ['shop'] }], to: [], when: [] }] } },
  { apiVersion: 'meshform.dev/v1alpha1', kind: 'AccessPolicy', metadata: { name: 'no-delete', ...ns }, spec: { targetRef: { kind: 'Namespace' }, action: 'DENY', rules: [{ from: [], to: [{ methods: ['DELETE'], notPaths: ['/admin/*'] }], when: [] }] } },
] as unknown as MeshResource[];
const model = new MeshModel(resources);

// GIVEN an entry point that, as the mesh's policies would, denies ratings to the caller and lets
// reviews call it.
let entry: http.Server;
let base = '';
const seen: string[] = [];
beforeAll(async () => {
  entry = http.createServer((req, res) => {
    seen.push(`${req.headers.host} ${req.url}`);
    res.writeHead(req.headers.host === 'ratings:9080' ? 403 : 200).end();
  });
  await new Promise<void>((resolve) => entry.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(entry.address() as AddressInfo).port}`;
});
afterAll(() => entry.close());

describe('guideCalls', () => {
  it('tries each service, keeps what answered, explains a denial and finds a way through a caller that may call the service', async () => {
    const target = (name: string, calls: string[]) => ({ service: model.service('shop', name)!, host: `${name}:9080`, baseUrl: base, calls });
    const guide = await guideCalls(model, [target('reviews', ['ratings']), target('ratings', [])]);
    expect(guide).toEqual([
      { service: 'reviews', method: 'GET', host: 'reviews:9080', url: `${base}/reviews/1`, status: 200 },
      expect.objectContaining({ service: 'ratings', url: `${base}/ratings/1`, status: 403, why: expect.stringContaining('ratings-deny-all allows nothing') }),
      { service: 'ratings', method: 'GET', host: 'reviews:9080', url: `${base}/call/ratings/ratings/1`, status: 200, via: 'reviews' },
    ]);
    expect(seen).toEqual(['reviews:9080 /reviews/1', 'ratings:9080 /ratings/1', 'reviews:9080 /call/ratings/ratings/1']);
  });

  it('reports a service it cannot reach with status 0 and no policy to blame', async () => {
    const guide = await guideCalls(model, [{ service: model.service('shop', 'reviews')!, host: 'reviews:9080', baseUrl: 'http://127.0.0.1:1', calls: [] }]);
    expect(guide).toEqual([{ service: 'reviews', method: 'GET', host: 'reviews:9080', url: 'http://127.0.0.1:1/reviews/1', status: 0 }]);
  });
});

describe('describePolicies', () => {
  it('puts each policy that applies in words, most general first', () => {
    expect(describePolicies(model.policiesFor('AccessPolicy', model.service('shop', 'ratings')!))).toBe(
      'AccessPolicy shop/no-delete denies DELETE not /admin/* from anyone; AccessPolicy shop/ratings-deny-all allows nothing; AccessPolicy shop/ratings-from-reviews allows any request from service account reviews and namespace shop',
    );
    expect(describePolicies([])).toBe('no AccessPolicy applies');
  });
});
