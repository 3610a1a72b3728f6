import { describe, expect, it } from 'vitest';
import type { RedirectAction } from '../../../proxy/config/route-table';
import { redirectLocation, rewritePath } from '../../../proxy/http/router';
import { stubRequest } from './request-stubs';

const redirect = (extra: Partial<RedirectAction>): RedirectAction => ({ kind: 'redirect', status: 301, rewrite: undefined, stripQuery: false, ...extra });

describe('path rewrites and redirects', () => {
  it('replaces the matched prefix and keeps the query', () => {
    expect(rewritePath('/api/v1/items?x=1', { prefix: { from: '/api', to: '/internal' } })).toBe('/internal/v1/items?x=1');
  });

  it('rewrites every regex match with RE2-style groups already translated', () => {
    expect(rewritePath('/a/1/b/2', { regex: { pattern: /\/(\d)/g, substitution: '/n$1' } })).toBe('/a/n1/b/n2');
  });

  it('builds a redirect location from scheme, host, port and path, keeping or stripping the query', () => {
    const req = stubRequest('/old?q=1');
    expect(redirectLocation(req, redirect({ path: '/new' }))).toBe('http://app/new?q=1');
    expect(redirectLocation(req, redirect({ scheme: 'https', host: 'example.com', path: '/new', stripQuery: true }))).toBe('https://example.com/new');
    expect(redirectLocation(req, redirect({ port: 8443, scheme: 'https' }))).toBe('https://app:8443/old?q=1');
  });
});
