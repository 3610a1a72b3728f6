import { describe, expect, it } from 'vitest';
import { syntheticSnapshot } from '../../../bench/dashboard/synthetic-snapshot';
import { graphElements, mergeEdges } from '../../../dashboard/view';
import { smallMesh } from '../../e2e/dashboard/fixtures';

describe('graphElements', () => {
  it('puts services in their namespace and versions in their service', () => {
    const { nodes } = graphElements(smallMesh(0));
    const parents = Object.fromEntries(nodes.map((n) => [n.data.id, n.data.parent ?? null]));
    expect(parents).toEqual({
      'ns:shop': null,
      'ns:legacy': null,
      'shop/frontend': 'ns:shop',
      'shop/cart': 'ns:shop',
      'shop/cart/v1': 'shop/cart',
      'shop/cart/v2': 'shop/cart',
      'shop/payments': 'ns:shop',
      'legacy/ledger': 'ns:legacy',
    });
    expect(nodes.find((n) => n.data.id === 'shop/cart/v2')!.data.name).toBe('shop/cart v2');
  });

  it('classes denied and plaintext calls and labels them in words', () => {
    const { edges } = graphElements(smallMesh(0));
    const byId = Object.fromEntries(edges.map((e) => [e.data.id, e]));
    expect(byId['shop/frontend->shop/payments']!.classes).toBe('denied');
    expect(byId['shop/frontend->shop/payments']!.data.label).toBe('5.0 rps · 60.0% · p99 42 ms\n2.0/s denied');
    expect(byId['shop/payments->legacy/ledger']!.classes).toBe('plaintext');
    expect(byId['shop/payments->legacy/ledger']!.data.label).toContain('plaintext');
    expect(byId['shop/frontend->shop/cart']!.classes).toBe('');
  });

  it('calls a node idle only when no call with traffic reaches or leaves it', () => {
    const mesh = smallMesh(0);
    const quiet = { ...mesh, nodes: mesh.nodes.map((n) => ({ ...n, signals: { rps: 0, successRate: null, p99Ms: null } })) };
    const classes = Object.fromEntries(graphElements(quiet).nodes.map((n) => [n.data.id, n.data.kind === 'namespace' ? undefined : n.classes]));
    // frontend receives nothing (like a gateway) but calls cart and payments; the versions carry no edge.
    expect(classes['shop/frontend']).toBe('');
    expect(classes['shop/cart/v1']).toBe('idle');
  });

  it('leaves out a filtered namespace with every call that touches it', () => {
    const { nodes, edges } = graphElements(smallMesh(0), { namespaces: new Set(['shop']) });
    expect(nodes.some((n) => n.data.namespace === 'legacy')).toBe(false);
    expect(edges.map((e) => e.data.id).sort()).toEqual(['shop/frontend->shop/cart', 'shop/frontend->shop/payments']);
  });

  it('draws a collapsed namespace as one node that carries its calls, merged, and drops the calls inside it', () => {
    const { nodes, edges } = graphElements(smallMesh(0), { collapsed: new Set(['shop']) });
    expect(nodes.map((n) => n.data.id).sort()).toEqual(['legacy/ledger', 'ns:legacy', 'ns:shop']);
    expect(nodes.find((n) => n.data.id === 'ns:shop')!.data.label).toBe('shop (3 services)');
    expect(edges.map((e) => e.data.id)).toEqual(['ns:shop->legacy/ledger']);
    expect(edges[0]!.classes).toBe('plaintext');
  });

  it('keeps every id across ticks of a 1000-service mesh, so an update only adds', () => {
    const before = graphElements(syntheticSnapshot({ services: 1000, tick: 0 }));
    const after = graphElements(syntheticSnapshot({ services: 1000, tick: 2 }));
    const afterIds = new Set([...after.nodes, ...after.edges].map((e) => e.data.id));
    expect([...before.nodes, ...before.edges].every((e) => afterIds.has(e.data.id))).toBe(true);
    expect(after.edges.length).toBeGreaterThan(before.edges.length);
  });
});

describe('mergeEdges', () => {
  const edge = (rps: number, successRate: number | null, p99Ms: number | null, mtls: boolean, deniedRps: number) => ({ id: 'a->b', source: 'a', target: 'b', signals: { rps, successRate, p99Ms }, mtls, deniedRps });

  it('adds rates and denials, weighs success by rate, keeps the worst p99, and is mTLS only when all calls are', () => {
    const merged = mergeEdges([edge(30, 1, 10, true, 0), edge(10, 0.6, 90, false, 2), edge(0, null, null, true, 0)]);
    expect(merged.signals).toEqual({ rps: 40, successRate: 0.9, p99Ms: 90 });
    expect(merged.mtls).toBe(false);
    expect(merged.deniedRps).toBe(2);
  });

  it('has no success rate or p99 when nothing was called', () => {
    expect(mergeEdges([edge(0, null, null, true, 0)]).signals).toEqual({ rps: 0, successRate: null, p99Ms: null });
  });
});
