import { compact, draft, NOTHING, readPolicy, type Converted, type ImportContext } from './import-context';
import type { Fields, SourceObject } from './source-fields';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];
const CONDITION_KEY = /^(request\.auth\.claims\[[^\]]+\](\[[^\]]+\])*|request\.headers\[[^\]]+\]|source\.namespace|source\.principal|request\.auth\.principal)$/;

/** Istio's `serviceAccounts` ("ns/sa") as principals of any trust domain. */
function accountPrincipals(accounts: string[] | undefined): string[] | undefined {
  return accounts?.map((a) => (a.includes('/') ? `*/ns/${a.split('/')[0]}/sa/${a.split('/')[1]}` : `*/sa/${a}`));
}

function sourceOf(s: Fields): Record<string, unknown> {
  for (const k of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks']) s.drop(k, 'Meshform authorizes identities, not IP addresses');
  s.drop('trustDomains', 'Meshform authorizes principals of its one trust domain');
  const principals = [...(s.strings('principals') ?? []), ...(accountPrincipals(s.strings('serviceAccounts')) ?? [])];
  const notPrincipals = [...(s.strings('notPrincipals') ?? []), ...(accountPrincipals(s.strings('notServiceAccounts')) ?? [])];
  return compact({
    principals: principals.length ? principals : undefined,
    notPrincipals: notPrincipals.length ? notPrincipals : undefined,
    namespaces: s.strings('namespaces'),
    notNamespaces: s.strings('notNamespaces'),
    requestPrincipals: s.strings('requestPrincipals'),
    notRequestPrincipals: s.strings('notRequestPrincipals'),
  });
}

function methodsOf(o: Fields, key: string): string[] | undefined {
  const methods = o.strings(key);
  const bad = methods?.filter((m) => !METHODS.includes(m.toUpperCase()));
  if (bad?.length) o.source.note('dropped', o.at(key), `${bad.join(', ')} ${bad.length === 1 ? 'is not an HTTP method' : 'are not HTTP methods'} Meshform knows (gRPC methods are matched by path)`);
  const good = methods?.map((m) => m.toUpperCase()).filter((m) => METHODS.includes(m));
  return good?.length ? good : undefined;
}

function operationOf(o: Fields): Record<string, unknown> {
  o.drop('hosts', 'Meshform policies apply to one workload; they do not match the Host header');
  o.drop('notHosts', 'Meshform policies apply to one workload; they do not match the Host header');
  o.drop('notPorts', 'Meshform matches ports, not their complement');
  return compact({ methods: methodsOf(o, 'methods'), notMethods: methodsOf(o, 'notMethods'), paths: o.strings('paths'), notPaths: o.strings('notPaths'), ports: o.strings('ports')?.map(Number) });
}

/** Whether a policy is Istio's "require a JWT" idiom: DENY requests without a request principal. */
function isRequireJwt(spec: Fields): boolean {
  const rules = spec.list('rules');
  const from = rules.length === 1 ? rules[0]!.list('from') : [];
  const s = from.length === 1 ? from[0]!.object('source') : undefined;
  return spec.string('action') === 'DENY' && rules.length === 1 && rules[0]!.keys().length === 1 && s !== undefined && s.keys().length === 1 && JSON.stringify(s.strings('notRequestPrincipals')) === '["*"]';
}

/** Istio AuthorizationPolicy → AccessPolicy; the require-a-JWT idiom → `required` on the JwtPolicy of the same target. */
export function importAuthorizationPolicy(source: SourceObject, ctx: ImportContext): Converted {
  const policy = readPolicy(source, ctx);
  if (!policy) return NOTHING;
  const { meta, spec, target } = policy;
  const action = spec.string('action') ?? 'ALLOW';
  if (action === 'CUSTOM') {
    spec.drop('provider', 'Meshform has no external authorizer');
    spec.dropAll('CUSTOM (an external authorizer) has no Meshform equivalent');
    return NOTHING;
  }
  if (target && spec.has('rules') && isRequireJwt(spec)) {
    source.note('differs', 'spec', 'the "deny requests without a JWT" idiom became required: true on the JwtPolicy of the same target');
    return { ...NOTHING, jwtRequired: [{ namespace: meta.namespace, targetRef: target }] };
  }
  const rules = spec.list('rules').map((r) => {
    const from = r.list('from').flatMap((f) => (f.object('source') ? [sourceOf(f.object('source')!)] : []));
    const to = r.list('to').flatMap((t) => (t.object('operation') ? [operationOf(t.object('operation')!)] : []));
    const when = r.list('when').flatMap((w) => {
      const key = w.string('key') ?? '';
      if (!CONDITION_KEY.test(key)) {
        w.dropAll(`condition key ${key} has no Meshform equivalent (Meshform knows request.auth.claims[…], request.headers[…], source.namespace, source.principal, request.auth.principal)`);
        return [];
      }
      return [compact({ key, values: w.strings('values'), notValues: w.strings('notValues') })];
    });
    return compact({ from: from.length ? from : undefined, to: to.length ? to : undefined, when: when.length ? when : undefined });
  });
  if (!target) return NOTHING;
  return { resources: [draft('AccessPolicy', meta.name, meta.namespace, compact({ targetRef: target, action, rules: spec.has('rules') ? rules : undefined }), meta)], services: [] };
}
