/**
 * A small mesh as the dashboard API describes it, before and after an update: shop/frontend calls
 * cart (two versions, mTLS), payments (some calls denied) and a legacy service in plaintext; the
 * update adds a caller, moves the cart canary a step on and changes every figure.
 */
import type { DashboardSnapshot, GoldenSignals, ServiceDetail } from '../../../lib/dashboard';

const busy = (rps: number, successRate = 0.995, p99Ms = 42): GoldenSignals => ({ rps, successRate, p99Ms });

export function smallMesh(tick: 0 | 1): DashboardSnapshot {
  const scale = tick === 0 ? 1 : 2;
  return {
    generatedAt: tick === 0 ? '2026-01-01T10:00:00.000Z' : '2026-01-01T10:00:05.000Z',
    source: { kind: 'sidecars', detail: 'fixture' },
    windowSeconds: 10,
    namespaces: ['shop', 'legacy'],
    nodes: [
      { id: 'shop/frontend', kind: 'service', namespace: 'shop', service: 'frontend', signals: busy(20 * scale) },
      { id: 'shop/cart', kind: 'service', namespace: 'shop', service: 'cart', signals: busy(12 * scale) },
      { id: 'shop/cart/v1', kind: 'version', namespace: 'shop', service: 'cart', version: 'v1', parent: 'shop/cart', signals: busy(10 * scale) },
      { id: 'shop/cart/v2', kind: 'version', namespace: 'shop', service: 'cart', version: 'v2', parent: 'shop/cart', signals: busy(2 * scale) },
      { id: 'shop/payments', kind: 'service', namespace: 'shop', service: 'payments', signals: busy(5 * scale, 0.6) },
      { id: 'legacy/ledger', kind: 'service', namespace: 'legacy', service: 'ledger', signals: busy(3 * scale) },
      ...(tick === 1 ? [{ id: 'shop/reviews', kind: 'service' as const, namespace: 'shop', service: 'reviews', signals: busy(4) }] : []),
    ],
    edges: [
      { id: 'shop/frontend->shop/cart', source: 'shop/frontend', target: 'shop/cart', signals: busy(12 * scale), mtls: true, deniedRps: 0 },
      { id: 'shop/frontend->shop/payments', source: 'shop/frontend', target: 'shop/payments', signals: busy(5 * scale, 0.6), mtls: true, deniedRps: 2 * scale },
      { id: 'shop/payments->legacy/ledger', source: 'shop/payments', target: 'legacy/ledger', signals: busy(3 * scale), mtls: false, deniedRps: 0 },
      ...(tick === 1 ? [{ id: 'shop/reviews->shop/cart', source: 'shop/reviews', target: 'shop/cart', signals: busy(4), mtls: true, deniedRps: 0 }] : []),
    ],
    canaries: [
      {
        namespace: 'shop',
        name: 'cart-v2',
        service: 'cart',
        phase: 'Progressing',
        step: tick + 1,
        weight: tick === 0 ? 10 : 20,
        checks: [
          { name: 'success-rate', value: 0.998, threshold: 0.99, passed: true },
          { name: 'p99-ms', value: 41, threshold: 500, passed: true },
        ],
        history: [
          { at: '2026-01-01T09:59:50.000Z', kind: 'start', weight: 0, message: 'canary started' },
          { at: '2026-01-01T09:59:55.000Z', kind: 'step', weight: 10, message: 'checks passed; weight 10%' },
          ...(tick === 1 ? [{ at: '2026-01-01T10:00:04.000Z', kind: 'step' as const, weight: 20, message: 'checks passed; weight 20%' }] : []),
        ],
      },
    ],
    proxies: [
      { id: 'sidecar~shop~frontend-1', namespace: 'shop', workload: 'frontend', role: 'sidecar', acked: { LDS: 'v7', RDS: 'v7', CDS: 'v7', EDS: 'v9' }, certificateExpiry: '2026-01-02T10:00:00.000Z' },
      {
        id: 'sidecar~shop~cart-1',
        namespace: 'shop',
        workload: 'cart',
        role: 'sidecar',
        acked: { LDS: 'v6', CDS: 'v7' },
        lastNack: { type: 'RDS', version: 'v7', at: '2026-01-01T09:59:58.000Z', reason: 'route shop/cart: regex "(" does not compile' },
        certificateExpiry: '2026-01-01T10:30:00.000Z',
      },
    ],
  };
}

export const CART_DETAIL: ServiceDetail = {
  namespace: 'shop',
  name: 'cart',
  series: { t: [1767261590, 1767261595, 1767261600], rps: [10, 11, 12], successRate: [1, 0.99, 0.995], p99Ms: [40, 45, 42] },
  routes: [{ name: 'cart', rules: [{ matches: ['path prefix /'], backends: [{ service: 'cart', version: 'v1', weight: 90 }, { service: 'cart', version: 'v2', weight: 10 }] }] }],
  policies: [
    { kind: 'AccessPolicy', namespace: 'shop', name: 'cart-callers', target: 'MeshService/cart', applies: true, summary: 'allows shop/frontend; denies everyone else' },
    { kind: 'AccessPolicy', namespace: 'shop', name: 'shop-default', target: 'Namespace/shop', applies: false, summary: 'allows the namespace shop' },
  ],
};
