import { describe, expect, it } from 'vitest';
import { ExternalService } from '../../../constructs';
import { expectFinding, meshResources, resourceOf, shopChart } from './support';

describe('ExternalService', () => {
  it('renders a payment gateway over https and an email API with TLS origination', () => {
    const chart = shopChart();
    new ExternalService(chart, 'PaymentGateway', { hosts: ['api.stripe.com'] });
    new ExternalService(chart, 'EmailApi', { hosts: ['api.sendgrid.com'], ports: [{ port: 80, protocol: 'http' }], tls: { mode: 'ORIGINATE', sni: 'api.sendgrid.com' } });
    expect(meshResources(chart)).toMatchSnapshot();
  });

  it('defaults to one https port 443', () => {
    const chart = shopChart();
    new ExternalService(chart, 'Payments', { hosts: ['*.payments.example'] });
    expect(resourceOf(chart, 'ExternalService').spec.ports).toEqual([{ port: 443, protocol: 'https' }]);
  });

  it('rejects a host with an underscore', () => {
    expectFinding(() => new ExternalService(shopChart(), 'Payments', { hosts: ['api_payments.example'] }), { code: 'BAD_FORMAT', where: 'test/Payments', field: 'spec.hosts[0]' });
  });

  it('rejects STATIC resolution without endpoints', () => {
    expectFinding(() => new ExternalService(shopChart(), 'Legacy', { hosts: ['legacy.internal'], resolution: 'STATIC' }), { code: 'INVALID', where: 'test/Legacy', field: 'spec.endpoints' });
  });

  it('rejects an empty host list', () => {
    expectFinding(() => new ExternalService(shopChart(), 'Nothing', { hosts: [] }), { code: 'OUT_OF_RANGE', where: 'test/Nothing', field: 'spec.hosts' });
  });
});
