import { describe, expect, it } from 'vitest';
import { parseResource } from '../../../lib/validation';
import { planInstances } from '../../../runner';
import { fullResources } from '../../fixtures/full-resources';

describe('the local instance plan', () => {
  it('gives each version and replica its own loopback addresses', () => {
    const svc = parseResource(fullResources().MeshService);
    const plan = planInstances([svc]);
    expect(plan.map((p) => [p.name, p.instanceIp, p.appIp, p.outboundIp, p.labels.version])).toEqual([
      ['reviews-v1-0', '127.10.1.1', '127.10.1.2', '127.10.1.3', 'v1'],
      ['reviews-v1-1', '127.10.2.1', '127.10.2.2', '127.10.2.3', 'v1'],
      ['reviews-v2-0', '127.10.3.1', '127.10.3.2', '127.10.3.3', 'v2'],
      ['reviews-v2-1', '127.10.4.1', '127.10.4.2', '127.10.4.3', 'v2'],
    ]);
  });
});
