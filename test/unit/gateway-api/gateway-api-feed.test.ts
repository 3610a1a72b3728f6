import { describe, expect, it } from 'vitest';
import { GatewayApiFeed } from '../../../controller/sources/gateway-api-feed';

const route = (filters: unknown[] = []) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'reviews', namespace: 'shop' },
  spec: { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }], rules: [{ backendRefs: [{ name: 'reviews-v2', port: 9080 }], filters }] },
});
const exists = () => true;

describe('the controller\'s Gateway API feed', () => {
  it('keeps the last accepted conversion in force while a later version is refused, and says so', () => {
    const feed = new GatewayApiFeed();
    const first = feed.convert([{ object: route(), origin: 'a.yaml#0' }], exists);
    expect(first.resources).toHaveLength(1);
    // Marked as made from Gateway API objects, whose references ReferenceGrants already checked.
    expect(first.resources[0]!.converted).toBe(true);
    const refused = feed.convert([{ object: route([{ type: 'CORS', cors: {} }]), origin: 'a.yaml#0' }], exists);
    expect(refused.resources.map((r) => r.object)).toEqual(first.resources.map((r) => r.object));
    const accepted = (refused.results[0]!.status as { parents: { conditions: { type: string; status: string; message: string }[] }[] }).parents[0]!.conditions[0]!;
    expect(accepted).toMatchObject({ type: 'Accepted', status: 'False' });
    expect(accepted.message).toMatch(/The last accepted version stays in force\.$/);
  });

  it('drops what an object made once the object is gone, and serves nothing of a route never accepted', () => {
    const feed = new GatewayApiFeed();
    feed.convert([{ object: route(), origin: 'a.yaml#0' }], exists);
    expect(feed.convert([], exists).resources).toEqual([]);
    expect(feed.convert([{ object: route([{ type: 'CORS', cors: {} }]), origin: 'a.yaml#0' }], exists).resources).toEqual([]);
  });

  it('keeps its previous result in force when converting fails, and says why', () => {
    const feed = new GatewayApiFeed();
    const first = feed.convert([{ object: route(), origin: 'a.yaml#0' }], exists);
    // An object no source would produce: reading its metadata throws.
    const broken = Object.defineProperty({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' }, 'metadata', {
      get() {
        throw new Error('lookup broke');
      },
    });
    const failed = feed.convert([{ object: broken, origin: 'a.yaml#0' }], exists);
    expect(failed.resources).toEqual(first.resources);
    expect(failed.failure).toContain('lookup broke');
  });
});
