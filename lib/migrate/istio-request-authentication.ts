import { compact, draft, NOTHING, readPolicy, type Converted, type ImportContext } from './import-context';
import type { SourceObject } from './source-fields';

/** Istio RequestAuthentication → JwtPolicy with required false (Istio rejects bad tokens, lets tokenless requests through). */
export function importRequestAuthentication(source: SourceObject, ctx: ImportContext): Converted {
  const policy = readPolicy(source, ctx);
  if (!policy) return NOTHING;
  const { meta, spec, target } = policy;
  const rules = spec.list('jwtRules').flatMap((r) => {
    r.drop('outputPayloadToHeader', 'Meshform forwards chosen claims (outputClaimToHeaders), not the whole payload');
    r.drop('timeout', 'Meshform fetches JWKS with its own timeout');
    if (!r.has('jwksUri') && !r.has('jwks')) {
      r.dropAll('the rule neither names jwksUri nor inlines jwks; Meshform does not discover keys through OpenID discovery');
      return [];
    }
    const fromHeaders = r.list('fromHeaders').map((h) => compact({ name: h.string('name')?.toLowerCase(), prefix: h.string('prefix') }));
    const claims = r.list('outputClaimToHeaders').map((c) => ({ header: c.string('header')?.toLowerCase(), claim: c.string('claim') }));
    return [
      compact({
        issuer: r.string('issuer'),
        audiences: r.strings('audiences'),
        jwksUri: r.string('jwksUri'),
        jwks: r.string('jwks'),
        fromHeaders: fromHeaders.length ? fromHeaders : undefined,
        fromParams: r.strings('fromParams'),
        fromCookies: r.strings('fromCookies'),
        forwardOriginalToken: r.boolean('forwardOriginalToken'),
        outputClaimToHeaders: claims.length ? claims : undefined,
      }),
    ];
  });
  if (!target || rules.length === 0) return NOTHING;
  return { resources: [draft('JwtPolicy', meta.name, meta.namespace, { targetRef: target, rules, required: false }, meta)], services: [] };
}
