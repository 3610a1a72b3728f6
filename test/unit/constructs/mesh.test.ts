import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { KIND_NAMES } from '../../../lib/api';
import { Mesh, MeshCrds, MtlsMode, OutboundPolicy } from '../../../constructs';
import { expectFinding, shopChart } from './support';

describe('Mesh', () => {
  it('renders a cluster-scoped mesh with STRICT mTLS, egress control and a Linkerd-style retry budget', () => {
    const chart = shopChart();
    new Mesh(chart, 'Default', {
      trustDomain: 'shop.example',
      mtlsMode: MtlsMode.STRICT,
      outboundPolicy: OutboundPolicy.REGISTRY_ONLY,
      retryBudget: { retryRatio: 0.2, minRetriesPerSecond: 10, ttl: '10s' },
      ca: { type: 'SelfSigned', workloadCertTtl: '12h' },
    });
    const synthesized = Testing.synth(chart);
    expect(synthesized[0].metadata).toEqual({ name: 'default' });
    expect(synthesized).toMatchSnapshot();
  });

  it('renders an empty spec when every default is kept', () => {
    const chart = new Chart(Testing.app(), 'test');
    new Mesh(chart, 'Mesh', { name: 'default' });
    expect(Testing.synth(chart)[0].spec).toEqual({});
  });

  it('rejects a provided CA without its secret', () => {
    expectFinding(() => new Mesh(shopChart(), 'Mesh', { ca: { type: 'Provided' } }), { code: 'INVALID', where: 'test/Mesh', field: 'spec.ca.secretName' });
  });

  it.each(['999ms', '1h1s'])('rejects a retry budget ttl of %s', (ttl) => {
    expectFinding(() => new Mesh(shopChart(), 'Mesh', { retryBudget: { ttl } }), { code: 'OUT_OF_RANGE', where: 'test/Mesh', field: 'spec.retryBudget.ttl' });
  });

  it('rejects a trust domain that is not a DNS name', () => {
    expectFinding(() => new Mesh(shopChart(), 'Mesh', { trustDomain: 'Shop_Example' }), { code: 'BAD_FORMAT', where: 'test/Mesh', field: 'spec.trustDomain' });
  });

  it('rejects a construct id that makes no resource name', () => {
    expectFinding(() => new Mesh(shopChart(), 'my mesh!'), { code: 'BAD_FORMAT', where: 'test/my mesh!', field: 'metadata.name' });
  });

  it('reports a second mesh at synth', () => {
    const chart = shopChart();
    new Mesh(chart, 'One');
    new Mesh(chart, 'Two');
    expect(() => Testing.synth(chart)).toThrow(/\[MULTIPLE_MESHES\] test\/Two: kind/);
  });
});

describe('MeshCrds', () => {
  it('emits one cluster-scoped CRD per mesh kind', () => {
    const chart = shopChart();
    new MeshCrds(chart, 'Crds');
    const crds = Testing.synth(chart);
    expect(crds.map((c) => c.spec.names.kind)).toEqual(KIND_NAMES);
    expect(crds.every((c) => c.metadata.namespace === undefined)).toBe(true);
    expect(crds.map((c) => c.metadata.name)).toMatchSnapshot();
  });
});
