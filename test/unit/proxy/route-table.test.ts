import { describe, expect, it } from 'vitest';
import { compileRouteConfiguration, type RouteInput } from '../../../proxy/config/route-table';
import { ConfigError } from '../../../proxy/errors';

const noPerFilter = () => {
  throw new Error('no per-filter config expected');
};

function input(path: string, headers: Record<string, string> = {}, method = 'GET'): RouteInput {
  const at = path.indexOf('?');
  return {
    method,
    pathname: at < 0 ? path : path.slice(0, at),
    query: new URLSearchParams(at < 0 ? '' : path.slice(at + 1)),
    header: (name) => (name === ':method' ? method : headers[name]),
  };
}

function table(routes: object[], domains = ['*'], more: object[] = []) {
  return compileRouteConfiguration({ name: 'r', virtual_hosts: [{ name: 'vh', domains, routes }, ...more] }, noPerFilter);
}

const to = (cluster: string) => ({ action: 'route', route: { cluster_specifier: 'cluster', cluster } });
const prefixMatch = (prefix: string, extra: object = {}) => ({ path_specifier: 'prefix', prefix, ...extra });
const clusterOf = (t: ReturnType<typeof table>, host: string, request: RouteInput) => {
  const action = t.match(host, request)?.route.action;
  return action?.kind === 'cluster' ? action.clusters[0]!.name : undefined;
};

describe('route table', () => {
  it('picks virtual hosts by exact domain, then the longest wildcard suffix, then *', () => {
    const t = compileRouteConfiguration(
      {
        name: 'r',
        virtual_hosts: [
          { name: 'exact', domains: ['api.example.com'], routes: [{ match: prefixMatch('/'), ...to('exact') }] },
          { name: 'suffix', domains: ['*.example.com'], routes: [{ match: prefixMatch('/'), ...to('suffix') }] },
          { name: 'any', domains: ['*'], routes: [{ match: prefixMatch('/'), ...to('any') }] },
        ],
      },
      noPerFilter,
    );
    expect(clusterOf(t, 'API.example.com', input('/'))).toBe('exact');
    expect(clusterOf(t, 'www.example.com', input('/'))).toBe('suffix');
    expect(clusterOf(t, 'other.org', input('/'))).toBe('any');
  });

  it('matches a missing header only with present_match false, or present_match true inverted', () => {
    const t = table([
      { match: prefixMatch('/', { headers: [{ name: 'x-a', header_match_specifier: 'string_match', string_match: { match_pattern: 'exact', exact: 'v' }, invert_match: true }] }), ...to('exact-inverted') },
      { match: prefixMatch('/', { headers: [{ name: 'x-b', header_match_specifier: 'present_match', present_match: true, invert_match: true }] }), ...to('absent') },
    ]);
    // x-a missing: an inverted exact match still fails; x-b missing: inverted presence matches.
    expect(clusterOf(t, 'h', input('/'))).toBe('absent');
    expect(clusterOf(t, 'h', input('/', { 'x-a': 'other', 'x-b': '1' }))).toBe('exact-inverted');
    expect(clusterOf(t, 'h', input('/', { 'x-a': 'v', 'x-b': '1' }))).toBeUndefined();
  });

  it('matches query parameters, case-insensitive prefixes and full-string regexes', () => {
    const t = table([
      { match: prefixMatch('/', { query_parameters: [{ name: 'debug', query_parameter_match_specifier: 'string_match', string_match: { match_pattern: 'exact', exact: '1' } }] }), ...to('debug') },
      { match: prefixMatch('/API', { case_sensitive: { value: false } }), ...to('api') },
      { match: { path_specifier: 'safe_regex', safe_regex: { regex: '/v[0-9]' } }, ...to('versioned') },
    ]);
    expect(clusterOf(t, 'h', input('/x?debug=1'))).toBe('debug');
    expect(clusterOf(t, 'h', input('/x?debug=2'))).toBeUndefined();
    expect(clusterOf(t, 'h', input('/api/items'))).toBe('api');
    expect(clusterOf(t, 'h', input('/v1'))).toBe('versioned');
    // Envoy regexes match the whole path.
    expect(clusterOf(t, 'h', input('/v1/extra'))).toBeUndefined();
  });

  it('rejects unknown retry_on words so the update is NACKed', () => {
    expect(() =>
      table([{ match: prefixMatch('/'), action: 'route', route: { cluster_specifier: 'cluster', cluster: 'c', retry_policy: { retry_on: '5xx,sometimes' } } }]),
    ).toThrow(ConfigError);
  });

  it('rejects a domain claimed by two virtual hosts', () => {
    expect(() => table([], ['a.com'], [{ name: 'vh2', domains: ['a.com'], routes: [] }])).toThrow(/domain a.com/);
  });
});
