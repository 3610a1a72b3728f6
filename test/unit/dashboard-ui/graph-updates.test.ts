import { describe, expect, it } from 'vitest';
import { COLLAPSED, diffGraph, graphElements, LEAF, leafPositions, placeNewNodes, type Point, SPACING, toElkGraph } from '../../../dashboard/view';
import { smallMesh } from '../../e2e/dashboard/fixtures';

describe('diffGraph', () => {
  it('adds the new, removes the gone and restyles only what changed', () => {
    const before = graphElements(smallMesh(0));
    const after = graphElements(smallMesh(1));
    const diff = diffGraph(before, after);
    expect(diff.added.map((e) => e.data.id)).toEqual(['shop/reviews', 'shop/reviews->shop/cart']);
    expect(diff.removed).toEqual([]);
    expect(diff.changed.map((e) => e.data.id)).toContain('shop/frontend->shop/cart');
    expect(diff.changed.map((e) => e.data.id)).not.toContain('ns:shop');
  });

  it('removes what a filter hides and finds nothing to do between equal graphs', () => {
    const all = graphElements(smallMesh(0));
    const diff = diffGraph(all, graphElements(smallMesh(0), { namespaces: new Set(['shop']) }));
    expect([...diff.removed].sort()).toEqual(['legacy/ledger', 'ns:legacy', 'shop/payments->legacy/ledger']);
    expect(diffGraph(all, graphElements(smallMesh(0)))).toEqual({ added: [], removed: [], changed: [] });
  });
});

describe('placeNewNodes', () => {
  const known = new Map<string, Point>([
    ['shop/frontend', { x: 0, y: 0 }],
    ['shop/cart/v1', { x: 400, y: 0 }],
    ['shop/cart/v2', { x: 400, y: 70 }],
    ['shop/payments', { x: 400, y: 200 }],
    ['legacy/ledger', { x: 800, y: 200 }],
  ]);

  it('puts a new caller beside what it calls, on a free spot, and moves nothing known', () => {
    const after = graphElements(smallMesh(1));
    const added = after.nodes.filter((n) => n.data.id === 'shop/reviews');
    const placed = placeNewNodes(added, after.nodes, after.edges, known);
    // reviews calls cart, a compound node with no position of its own, so it goes under its siblings.
    expect([...placed.keys()]).toEqual(['shop/reviews']);
    expect(placed.get('shop/reviews')).toEqual({ x: 0, y: 200 + SPACING.y });
  });

  it('puts a new caller a column left of what it calls, and a new callee a column right of its caller', () => {
    const elements = graphElements(smallMesh(0));
    const without = (id: string) => new Map([...known].filter(([k]) => k !== id));
    const frontend = elements.nodes.filter((n) => n.data.id === 'shop/frontend');
    expect(placeNewNodes(frontend, elements.nodes, elements.edges, without('shop/frontend')).get('shop/frontend')).toEqual({ x: 400 - SPACING.x, y: 200 });
    const ledger = elements.nodes.filter((n) => n.data.id === 'legacy/ledger');
    expect(placeNewNodes(ledger, elements.nodes, elements.edges, without('legacy/ledger')).get('legacy/ledger')).toEqual({ x: 400 + SPACING.x, y: 200 });
  });

  it('puts a node back where it was last drawn, and a collapsed namespace at the centre of its services', () => {
    const collapsed = graphElements(smallMesh(0), { collapsed: new Set(['legacy']) });
    const ns = collapsed.nodes.filter((n) => n.data.id === 'ns:legacy');
    expect(placeNewNodes(ns, collapsed.nodes, collapsed.edges, known).get('ns:legacy')).toEqual({ x: 800, y: 200 });
    const expanded = graphElements(smallMesh(0));
    const ledger = expanded.nodes.filter((n) => n.data.id === 'legacy/ledger');
    expect(placeNewNodes(ledger, expanded.nodes, expanded.edges, known).get('legacy/ledger')).toEqual({ x: 800, y: 200 });
  });

  it('never stacks two new nodes on one spot', () => {
    const after = graphElements(smallMesh(1));
    const reviews = after.nodes.find((n) => n.data.id === 'shop/reviews')!;
    const twin = { ...reviews, data: { ...reviews.data, id: 'shop/reviews-2' } };
    const placed = [...placeNewNodes([reviews, twin], [...after.nodes, twin], after.edges, known).values()];
    expect(placed[0]).not.toEqual(placed[1]);
  });
});

describe('ELK graph', () => {
  it('nests versions in services in namespaces, sizes leaves, and reads back absolute centres', () => {
    const elements = graphElements(smallMesh(0));
    const elk = toElkGraph(elements.nodes, elements.edges);
    const shop = elk.children!.find((c) => c.id === 'ns:shop')!;
    const cart = shop.children!.find((c) => c.id === 'shop/cart')!;
    expect(cart.children!.map((c) => c.id)).toEqual(['shop/cart/v1', 'shop/cart/v2']);
    expect(cart.children![0]).toMatchObject({ width: LEAF.width, height: LEAF.height });
    const collapsed = graphElements(smallMesh(0), { collapsed: new Set(['legacy']) });
    expect(toElkGraph(collapsed.nodes, collapsed.edges).children!.find((c) => c.id === 'ns:legacy')).toMatchObject({ width: COLLAPSED.width, height: COLLAPSED.height });
    expect(elk.layoutOptions!['elk.algorithm']).toBe('layered');
    const overview = graphElements(smallMesh(0), { collapsed: new Set(['shop', 'legacy']) });
    expect(toElkGraph(overview.nodes, overview.edges).layoutOptions!['elk.algorithm']).toBe('stress');
    expect(cart.width).toBeUndefined();
    expect(elk.edges).toHaveLength(3);
    // As ELK answers: corners relative to the parent.
    shop.x = 10;
    shop.y = 20;
    cart.x = 100;
    cart.y = 5;
    cart.children![0]!.x = 1;
    cart.children![0]!.y = 2;
    expect(leafPositions(elk).get('shop/cart/v1')).toEqual({ x: 10 + 100 + 1 + LEAF.width / 2, y: 20 + 5 + 2 + LEAF.height / 2 });
    expect(leafPositions(elk).has('shop/cart')).toBe(false);
  });
});
