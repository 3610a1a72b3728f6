import { describe, expect, it } from 'vitest';
import { trafficGraph, type GraphEdge, type InstanceRates } from '../../../lib/dashboard';
import { buckets, requests, shopModel, shopWorkloads } from './dashboard-fixtures';

const REVIEWS = 'reviews.shop.svc.cluster.local';

/** Per-second rates of one window, as the sidecars of web and reviews counted them. */
const rates: InstanceRates[] = [
  {
    namespace: 'shop',
    name: 'reviews-v1-0',
    samples: [
      requests('inbound', { source_workload: 'web', destination_service: 'reviews', response_code: '200' }, 8),
      requests('inbound', { source_workload: 'web', destination_service: 'reviews', response_code: '503' }, 2),
      requests('inbound', { source_workload: 'web', destination_service: 'reviews', response_code: '403', response_flags: 'RBAC' }, 1),
      requests('inbound', { source_workload: 'unknown', destination_service: 'reviews', response_code: '401' }, 0.5),
      ...buckets('inbound', { destination_service: 'reviews', response_code: '200' }, [['0.01', 5], ['0.1', 10], ['+Inf', 10]]),
    ],
  },
  {
    namespace: 'shop',
    name: 'reviews-v2-0',
    samples: [requests('inbound', { source_workload: 'web', destination_service: 'reviews', response_code: '200' }, 4)],
  },
  {
    namespace: 'shop',
    name: 'web-0',
    samples: [
      requests('inbound', { source_workload: 'ingress', destination_service: 'web', response_code: '200' }, 5),
      requests('inbound', { source_workload: 'batch', destination_service: 'web', response_code: '200' }, 1),
      requests('outbound', { source_workload: 'web', destination_service: REVIEWS, response_code: '200' }, 12),
      ...buckets('outbound', { destination_service: REVIEWS, response_code: '200' }, [['0.05', 10], ['+Inf', 10]]),
      requests('outbound', { source_workload: 'web', destination_service: 'api.payments.example.com', response_code: '200' }, 3),
      requests('outbound', { source_workload: 'web', destination_service: 'api.payments.example.com', response_code: '500' }, 1),
      ...buckets('outbound', { destination_service: 'api.payments.example.com', response_code: '200' }, [['0.1', 0], ['0.25', 4], ['+Inf', 4]]),
    ],
  },
  // A pod the mesh does not select counts nowhere.
  { namespace: 'shop', name: 'stray-0', samples: [requests('inbound', { source_workload: 'web', response_code: '200' }, 100)] },
];

const graph = () => trafficGraph({ model: shopModel(), workloads: shopWorkloads, rates, gateways: [{ namespace: 'shop', name: 'meshform-ingress', serviceAccount: 'ingress' }] });
const edge = (id: string): GraphEdge => {
  const found = graph().edges.find((e) => e.id === id);
  if (!found) throw new Error(`no edge ${id}; edges: ${graph().edges.map((e) => e.id).join(', ')}`);
  return found;
};

describe('the traffic graph', () => {
  it('has a node for every service, version and external service, and for the gateways and unknown callers that sent traffic', () => {
    expect(graph().nodes.map((n) => [n.id, n.kind, n.parent])).toEqual([
      ['shop/batch', 'unknown', undefined],
      ['shop/meshform-ingress', 'gateway', undefined],
      ['shop/payments', 'external', undefined],
      ['shop/reviews', 'service', undefined],
      ['shop/reviews/v1', 'version', 'shop/reviews'],
      ['shop/reviews/v2', 'version', 'shop/reviews'],
      ['shop/unknown', 'unknown', undefined],
      ['shop/web', 'service', undefined],
    ]);
  });

  it("gives a version its own inbound rate and success, and its service the sum of its versions'", () => {
    const nodes = new Map(graph().nodes.map((n) => [n.id, n.signals]));
    expect(nodes.get('shop/reviews/v1')).toMatchObject({ rps: 11.5, successRate: 8 / 11.5 });
    expect(nodes.get('shop/reviews/v2')).toMatchObject({ rps: 4, successRate: 1, p99Ms: null });
    expect(nodes.get('shop/reviews')).toMatchObject({ rps: 15.5, successRate: 12 / 15.5 });
  });

  it("takes a node's p99 from its inbound bucket rates, interpolated within the bucket as histogram_quantile does", () => {
    // rank 9.9 of 10 falls in (10 ms, 100 ms], which holds 5 of them: 10 + 90 * 4.9/5.
    expect(graph().nodes.find((n) => n.id === 'shop/reviews/v1')!.signals.p99Ms).toBeCloseTo(98.2, 6);
  });

  it("counts an edge's calls, success and 403s from RBAC as denied (and not successful), and marks it mTLS when the caller had a certificate", () => {
    expect(edge('shop/web->shop/reviews/v1')).toMatchObject({ source: 'shop/web', target: 'shop/reviews/v1', mtls: true, deniedRps: 1, signals: { rps: 11, successRate: 8 / 11 } });
  });

  it("takes an edge's p99 from the caller's own outbound latency when it has a sidecar", () => {
    expect(edge('shop/web->shop/reviews/v1').signals.p99Ms).toBeCloseTo(49.5, 6);
  });

  it('shows a caller without a certificate as unknown and not mTLS, its 401 under a JwtPolicy as denied, with the destination latency', () => {
    expect(edge('shop/unknown->shop/reviews/v1')).toMatchObject({ mtls: false, deniedRps: 0.5, signals: { rps: 0.5, successRate: 0 } });
    expect(edge('shop/unknown->shop/reviews/v1').signals.p99Ms).toBeCloseTo(98.2, 6);
  });

  it('names a gateway by its account, and an account the mesh does not know as an unknown caller', () => {
    expect(edge('shop/meshform-ingress->shop/web')).toMatchObject({ mtls: true, signals: { rps: 5 } });
    expect(edge('shop/batch->shop/web')).toMatchObject({ mtls: true, signals: { rps: 1 } });
  });

  it("draws calls to an external host from the caller's outbound counters, without mTLS", () => {
    expect(edge('shop/web->shop/payments')).toMatchObject({ mtls: false, deniedRps: 0, signals: { rps: 4, successRate: 0.75 } });
    expect(graph().nodes.find((n) => n.id === 'shop/payments')!.signals).toMatchObject({ rps: 4, successRate: 0.75 });
    // rank 3.96 of 4, all in (100 ms, 250 ms]: 100 + 150 * 0.99.
    expect(edge('shop/web->shop/payments').signals.p99Ms).toBeCloseTo(248.5, 6);
    expect(graph().nodes.find((n) => n.id === 'shop/payments')!.signals.p99Ms).toBeCloseTo(248.5, 6);
  });

  it('leaves nodes without traffic at zero with no success rate or latency to judge', () => {
    const quiet = trafficGraph({ model: shopModel(), workloads: shopWorkloads, rates: [] });
    expect(quiet.edges).toEqual([]);
    expect(quiet.nodes.every((n) => n.signals.rps === 0 && n.signals.successRate === null && n.signals.p99Ms === null)).toBe(true);
  });

  it('does not count a 401 as denied where no JwtPolicy covers the destination (the application answered it)', () => {
    const g = trafficGraph({ model: shopModel(), workloads: shopWorkloads, rates: [{ namespace: 'shop', name: 'web-0', samples: [requests('inbound', { source_workload: 'reviews', response_code: '401' }, 2)] }] });
    expect(g.edges).toEqual([expect.objectContaining({ id: 'shop/reviews->shop/web', deniedRps: 0 })]);
  });
});
