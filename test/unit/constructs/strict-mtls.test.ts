import { describe, expect, it } from 'vitest';
import { MtlsMode, PolicyTarget, ServiceRef, StrictMtls } from '../../../constructs';
import { expectFinding, meshResources, resourceOf, reviewsService, shopChart } from './support';

describe('StrictMtls', () => {
  it('renders STRICT for the namespace by default', () => {
    const chart = shopChart();
    new StrictMtls(chart, 'Mtls');
    expect(meshResources(chart)).toMatchSnapshot();
  });

  it('renders mesh-wide PERMISSIVE as the migration step', () => {
    const chart = shopChart();
    new StrictMtls(chart, 'Migration', { target: PolicyTarget.mesh(), mode: MtlsMode.PERMISSIVE });
    expect(resourceOf(chart, 'MtlsPolicy').spec).toEqual({ targetRef: { kind: 'Mesh' }, mode: 'PERMISSIVE' });
  });

  it('renders a workload STRICT with one port left PERMISSIVE, in the service namespace', () => {
    const chart = shopChart();
    const reviews = reviewsService(chart, { namespace: 'books', ports: [{ port: 9080 }, { port: 15090, protocol: 'http' }] });
    new StrictMtls(chart, 'ReviewsMtls', { target: PolicyTarget.service(reviews), portModes: { 15090: 'PERMISSIVE' } }).setPortMode(9080, MtlsMode.STRICT);
    expect(resourceOf(chart, 'MtlsPolicy')).toMatchSnapshot();
  });

  it('rejects a port mode on a port the target service does not have', () => {
    const chart = shopChart();
    const mtls = new StrictMtls(chart, 'ReviewsMtls', { target: PolicyTarget.service(reviewsService(chart)) });
    const finding = expectFinding(() => mtls.setPortMode(8080, MtlsMode.DISABLE), { code: 'UNKNOWN_PORT', where: 'test/ReviewsMtls', field: 'portModes[8080]' });
    expect(finding.limit).toBe('9080');
  });

  it('rejects port modes on a namespace target', () => {
    expectFinding(() => new StrictMtls(shopChart(), 'Mtls', { portModes: { 9080: 'STRICT' } }), { code: 'INVALID', where: 'test/Mtls', field: 'spec.portLevel' });
  });

  it('rejects port 65536 on a service defined elsewhere', () => {
    expectFinding(() => new StrictMtls(shopChart(), 'Mtls', { target: PolicyTarget.service(ServiceRef.fromName('reviews')), portModes: { 65536: 'STRICT' } }), {
      code: 'OUT_OF_RANGE',
      where: 'test/Mtls',
      field: 'spec.portLevel[0].port',
    });
  });
});
