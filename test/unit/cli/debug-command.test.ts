import { describe, expect, it } from 'vitest';
import { formatConfigSummary, parseAdminAddress, proxyIdOfPod } from '../../../cli/debug-command';
import type { ProxyConfigDump } from '../../../controller/admin-server';
import { BOOTSTRAP_ANNOTATION, injectionConfig, sidecarFor } from '../../../lib/injection';

const NODE_ID = 'sidecar~10.1.0.7~reviews.shop~shop.svc.cluster.local';

const dump: ProxyConfigDump = {
  connectionId: 'c-4',
  node: { id: NODE_ID, kind: 'sidecar', namespace: 'shop', workload: 'reviews', labels: {}, token: '<redacted>' },
  trust: { state: 'verified', identity: { namespace: 'shop', serviceAccount: 'reviews' } },
  issues: [{ code: 'APPROXIMATED', severity: 'degraded', where: 'RateLimit shop/per-rule', field: 'spec.route', message: 'no rule named canary' }],
  xds: {
    CDS: { subscribed: '*', sentVersion: 'c1', ackedVersion: 'c1', nonce: '3', resources: [{ name: 'outbound|9080||ratings.shop.svc.cluster.local' }, { name: 'inbound|9080||' }] },
    LDS: { subscribed: '*', sentVersion: 'l2', ackedVersion: 'l1', nonce: '5', nack: { version: 'l2', nonce: '5', message: 'duplicate listener 0.0.0.0_9080', at: '2026-12-04T06:00:00.000Z' }, resources: [{ name: 'inbound_10.1.0.7_9080' }, { name: '0.0.0.0_9080' }] },
    EDS: { subscribed: ['outbound|9080||ratings.shop.svc.cluster.local'], sentVersion: 'e1', nonce: '6', resources: [{ cluster_name: 'outbound|9080||ratings.shop.svc.cluster.local' }] },
    RDS: { subscribed: ['9080'], resources: [] },
  },
};

describe('meshform debug config output', () => {
  const text = formatConfigSummary([dump], { pod: 'shop/reviews-0', controller: 'meshform-system/meshform-controller-0' });
  const lines = text.split('\n');

  it('heads with the proxy, its pod, the controller holding its stream and the verified identity', () => {
    expect(lines.slice(0, 4)).toEqual([
      `PROXY       ${NODE_ID}`,
      'POD         shop/reviews-0',
      'CONNECTION  c-4 on meshform-system/meshform-controller-0',
      'IDENTITY    verified as shop/reviews',
    ]);
  });

  it('gives one row per type in xDS order with the versions sent and ACKed and the state: ACK, NACK, PENDING or nothing sent', () => {
    const start = lines.indexOf(lines.find((l) => l.startsWith('TYPE'))!);
    expect(lines.slice(start, start + 5).map((l) => l.split(/\s+/))).toEqual([
      ['TYPE', 'SENT', 'ACKED', 'STATE', 'RESOURCES'],
      ['LDS', 'l2', 'l1', 'NACK', '2'],
      ['RDS', '-', '-', '-', '0'],
      ['CDS', 'c1', 'c1', 'ACK', '2'],
      ['EDS', 'e1', '-', 'PENDING', '1'],
    ]);
  });

  it('quotes the last NACK with its version, time and the proxy’s message', () => {
    expect(lines).toContain('LAST NACK   LDS version l2 at 2026-12-04T06:00:00.000Z: duplicate listener 0.0.0.0_9080');
  });

  it('lists listeners, clusters and endpoints by name, sorted, and leaves out empty sections', () => {
    expect(text).toContain('LISTENERS\n  0.0.0.0_9080\n  inbound_10.1.0.7_9080');
    expect(text).toContain('CLUSTERS\n  inbound|9080||\n  outbound|9080||ratings.shop.svc.cluster.local');
    expect(text).toContain('ENDPOINTS\n  outbound|9080||ratings.shop.svc.cluster.local');
    expect(text).not.toContain('ROUTES');
  });

  it('ends with the translation issues behind this proxy’s config', () => {
    expect(lines.slice(-2)).toEqual(['ISSUES', '  [APPROXIMATED] RateLimit shop/per-rule spec.route: no rule named canary (degraded)']);
  });

  it('says why an identity was refused', () => {
    const refused = formatConfigSummary([{ ...dump, trust: { state: 'refused', reason: 'the TokenReview failed' } }]);
    expect(refused).toContain('IDENTITY    refused: the TokenReview failed');
    expect(refused).not.toContain('POD');
  });
});

describe('the proxy id of a pod', () => {
  const config = injectionConfig({ proxyImage: 'p:1' });
  const template = { metadata: { labels: { app: 'reviews' } }, spec: { serviceAccountName: 'reviews', containers: [{ name: 'app', image: 'a' }] } };
  const annotations = sidecarFor(template, { namespace: 'shop' }, config).annotations;

  it('is the injected bootstrap’s node id with the pod IP filled in, as the sidecar registers', () => {
    expect(proxyIdOfPod({ metadata: { name: 'reviews-0', namespace: 'shop', annotations }, status: { podIP: '10.1.0.7' } })).toBe(NODE_ID);
  });

  it('is refused for a pod without a sidecar, or before it has an IP', () => {
    expect(() => proxyIdOfPod({ metadata: { name: 'plain', namespace: 'shop' }, status: { podIP: '10.1.0.9' } })).toThrow(/DEBUG_POD_NOT_MESHED.*shop\/plain/);
    expect(() => proxyIdOfPod({ metadata: { name: 'reviews-1', namespace: 'shop', annotations: { [BOOTSTRAP_ANNOTATION]: annotations[BOOTSTRAP_ANNOTATION]! } }, status: {} })).toThrow(/DEBUG_POD_NO_IP/);
  });
});

describe('--admin-address', () => {
  it('takes host:port, bracketed IPv6, and ports 1 and 65535', () => {
    expect(parseAdminAddress('127.0.0.1:15014')).toEqual({ host: '127.0.0.1', port: 15014 });
    expect(parseAdminAddress('[::1]:1')).toEqual({ host: '::1', port: 1 });
    expect(parseAdminAddress('localhost:65535')).toEqual({ host: 'localhost', port: 65535 });
  });

  it('refuses port 0, port 65536, a missing port and an unbracketed IPv6 address', () => {
    for (const bad of ['127.0.0.1:0', '127.0.0.1:65536', '127.0.0.1', '::1:15014', ':15014']) expect(() => parseAdminAddress(bad), bad).toThrow(/DEBUG_BAD_ADDRESS/);
  });
});
