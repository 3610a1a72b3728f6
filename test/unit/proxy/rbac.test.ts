import { describe, expect, it } from 'vitest';
import { packAny, TypeUrl, unpackAny } from '../../../lib/xds';
import { compileRbac as compileDecoded } from '../../../proxy/filters/rbac';
import type { ProxyRequest } from '../../../proxy/http/proxy-request';

function request(overrides: { path?: string; identity?: string; remote?: string; headers?: Record<string, string>; jwt?: Record<string, unknown> } = {}): ProxyRequest {
  return {
    pathname: overrides.path ?? '/',
    downstream: { remoteAddress: overrides.remote ?? '127.0.0.1', localAddress: '127.0.0.1', localPort: 80, tls: !!overrides.identity, peerIdentity: overrides.identity },
    header: (name: string) => overrides.headers?.[name],
    jwtPayload: overrides.jwt,
  } as unknown as ProxyRequest;
}

/** Config goes through the wire encoding, as from the controller (oneofs named, enums as names). */
const compileRbac = (config: object, resource: string) => compileDecoded(unpackAny(packAny(TypeUrl.Rbac, config)), resource);

const policy = (permissions: object[], principals: object[]) => ({ permissions, principals });

describe('RBAC', () => {
  it('denies everything with an ALLOW action and no policies, and allows everything with DENY and none', () => {
    expect(compileRbac({ rules: { action: 'ALLOW', policies: {} } }, 'r').allows(request())).toBe(false);
    expect(compileRbac({ rules: { action: 'DENY', policies: {} } }, 'r').allows(request())).toBe(true);
    expect(compileRbac({}, 'r').allows(request())).toBe(true);
  });

  it('matches authenticated principals by SPIFFE id and needs a verified peer', () => {
    const rbac = compileRbac(
      { rules: { action: 'ALLOW', policies: { p: policy([{ any: true }], [{ authenticated: { principal_name: { safe_regex: { regex: 'spiffe://cluster.local/ns/prod/.*' } } } }]) } } },
      'r',
    );
    expect(rbac.allows(request({ identity: 'spiffe://cluster.local/ns/prod/sa/web' }))).toBe(true);
    expect(rbac.allows(request({ identity: 'spiffe://cluster.local/ns/dev/sa/web' }))).toBe(false);
    expect(rbac.allows(request())).toBe(false);
  });

  it('combines and/or/not rules, source CIDRs and JWT claims', () => {
    const rbac = compileRbac(
      {
        rules: {
          action: 'ALLOW',
          policies: {
            p: policy(
              [{ and_rules: { rules: [{ url_path: { path: { prefix: '/api' } } }, { not_rule: { url_path: { path: { exact: '/api/admin' } } } }] } }],
              [
                { direct_remote_ip: { address_prefix: '10.0.0.0', prefix_len: { value: 8 } } },
                { metadata: { filter: 'envoy.filters.http.jwt_authn', path: [{ key: 'payload' }, { key: 'groups' }], value: { list_match: { one_of: { string_match: { exact: 'ops' } } } } } },
              ],
            ),
          },
        },
      },
      'r',
    );
    expect(rbac.allows(request({ path: '/api/items', remote: '10.1.2.3' }))).toBe(true);
    expect(rbac.allows(request({ path: '/api/admin', remote: '10.1.2.3' }))).toBe(false);
    expect(rbac.allows(request({ path: '/api/items', remote: '192.168.0.1' }))).toBe(false);
    expect(rbac.allows(request({ path: '/api/items', remote: '192.168.0.1', jwt: { groups: ['dev', 'ops'] } }))).toBe(true);
  });

  it('rejects CEL conditions it cannot evaluate', () => {
    expect(() => compileRbac({ rules: { action: 'ALLOW', policies: { p: { permissions: [{ any: true }], principals: [{ any: true }], condition: { id: '1', const_expr: { bool_value: true } } } } } }, 'r')).toThrow(
      /CEL/,
    );
  });
});
