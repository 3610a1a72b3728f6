import { TypeUrl } from '../xds';
import type { SpecOf } from '../api';
import type { Resolved } from '../model';
import { whereOf, type TranslationContext } from './context';
import type { EnvoyMessage } from './envoy-types';
import { FilterName } from './resource-names';
import { JWT_PAYLOAD_METADATA } from './jwt-authn';

type AccessRule = SpecOf<'AccessPolicy'>['rules'][number];
type Source = AccessRule['from'][number];
type Operation = AccessRule['to'][number];
type Condition = AccessRule['when'][number];

const ANY = { any: true };
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `"*"`, `"prefix*"`, `"*suffix"` or exact, as an Envoy StringMatcher. */
function wildcardMatcher(value: string): EnvoyMessage {
  if (value === '*') return { safe_regex: { regex: '.+' } };
  if (value.endsWith('*')) return { prefix: value.slice(0, -1) };
  if (value.startsWith('*')) return { suffix: value.slice(1) };
  return { exact: value };
}

const anyOf = <T extends EnvoyMessage>(items: T[], key: 'or_ids' | 'or_rules'): EnvoyMessage => {
  const field = key === 'or_ids' ? 'ids' : 'rules';
  return items.length === 1 ? items[0]! : { [key]: { [field]: items } };
};
const not = (item: EnvoyMessage, key: 'not_id' | 'not_rule') => ({ [key]: item });

function principalName(matcher: EnvoyMessage): EnvoyMessage {
  return { authenticated: { principal_name: matcher } };
}

function jwtClaim(path: readonly string[], values: readonly string[]): EnvoyMessage {
  return {
    metadata: {
      filter: FilterName.JwtAuthn,
      path: [JWT_PAYLOAD_METADATA, ...path].map((key) => ({ key })),
      value: { or_match: { value_matchers: values.flatMap((v) => [{ string_match: wildcardMatcher(v) }, { list_match: { one_of: { string_match: wildcardMatcher(v) } } }]) } },
    },
  };
}

/** `"<issuer>/<subject>"`: the issuer may itself contain slashes, so the subject is the last part. */
function requestPrincipal(value: string): EnvoyMessage {
  if (value === '*') return jwtClaim(['iss'], ['*']);
  const cut = value.lastIndexOf('/');
  return { and_ids: { ids: [jwtClaim(['iss'], [value.slice(0, cut)]), jwtClaim(['sub'], [value.slice(cut + 1)])] } };
}

function namespacePrincipal(namespace: string): EnvoyMessage {
  return principalName({ safe_regex: { regex: `spiffe://[^/]+/ns/${escapeRegex(namespace)}/sa/[^/]+` } });
}

function sourcePrincipal(ctx: TranslationContext, source: Source, policyNamespace: string): EnvoyMessage {
  const td = ctx.model.mesh.trustDomain;
  const ids: EnvoyMessage[] = [];
  if (source.principals) ids.push(anyOf(source.principals.map((p) => principalName(wildcardMatcher(p === '*' ? '*' : `spiffe://${p}`))), 'or_ids'));
  if (source.notPrincipals) ids.push(not(anyOf(source.notPrincipals.map((p) => principalName(wildcardMatcher(`spiffe://${p}`))), 'or_ids'), 'not_id'));
  if (source.serviceAccounts) ids.push(anyOf(source.serviceAccounts.map((sa) => principalName({ exact: `spiffe://${td}/ns/${policyNamespace}/sa/${sa}` })), 'or_ids'));
  if (source.namespaces) ids.push(anyOf(source.namespaces.map(namespacePrincipal), 'or_ids'));
  if (source.notNamespaces) ids.push(not(anyOf(source.notNamespaces.map(namespacePrincipal), 'or_ids'), 'not_id'));
  if (source.requestPrincipals) ids.push(anyOf(source.requestPrincipals.map(requestPrincipal), 'or_ids'));
  if (source.notRequestPrincipals) ids.push(not(anyOf(source.notRequestPrincipals.map(requestPrincipal), 'or_ids'), 'not_id'));
  if (ids.length === 0) return ANY;
  return ids.length === 1 ? ids[0]! : { and_ids: { ids } };
}

function pathMatcher(path: string): EnvoyMessage {
  return { url_path: { path: wildcardMatcher(path) } };
}

function operationPermission(op: Operation): EnvoyMessage {
  const method = (m: string) => ({ header: { name: ':method', string_match: { exact: m } } });
  const rules: EnvoyMessage[] = [];
  if (op.methods) rules.push(anyOf(op.methods.map(method), 'or_rules'));
  if (op.notMethods) rules.push(not(anyOf(op.notMethods.map(method), 'or_rules'), 'not_rule'));
  if (op.paths) rules.push(anyOf(op.paths.map(pathMatcher), 'or_rules'));
  if (op.notPaths) rules.push(not(anyOf(op.notPaths.map(pathMatcher), 'or_rules'), 'not_rule'));
  if (op.ports) rules.push(anyOf(op.ports.map((p) => ({ destination_port: p })), 'or_rules'));
  if (rules.length === 0) return ANY;
  return rules.length === 1 ? rules[0]! : { and_rules: { rules } };
}

/** How a `when` key matches one value, and whether it is about the peer or the request. */
function conditionMatcher(key: string): { side: 'principal' | 'permission'; build: (value: string) => EnvoyMessage } {
  const header = /^request\.headers\[([^\]]+)\]$/.exec(key);
  if (header) return { side: 'permission', build: (v) => ({ header: { name: header[1]!.toLowerCase(), string_match: wildcardMatcher(v) } }) };
  if (key.startsWith('request.auth.claims')) {
    const path = [...key.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]!);
    return { side: 'principal', build: (v) => jwtClaim(path, [v]) };
  }
  if (key === 'request.auth.principal') return { side: 'principal', build: requestPrincipal };
  if (key === 'source.namespace') return { side: 'principal', build: namespacePrincipal };
  return { side: 'principal', build: (v) => principalName(wildcardMatcher(`spiffe://${v}`)) };
}

/** A `when` condition: one of `values` holds and none of `notValues`. */
function condition(c: Condition): { side: 'principal' | 'permission'; matcher: EnvoyMessage } {
  const { side, build } = conditionMatcher(c.key);
  const [or, negation, and] = side === 'principal' ? (['or_ids', 'not_id', 'and_ids'] as const) : (['or_rules', 'not_rule', 'and_rules'] as const);
  const parts: EnvoyMessage[] = [];
  if (c.values) parts.push(anyOf(c.values.map(build), or));
  if (c.notValues) parts.push(not(anyOf(c.notValues.map(build), or), negation));
  const matcher = parts.length === 0 ? ANY : parts.length === 1 ? parts[0]! : { [and]: { [and === 'and_ids' ? 'ids' : 'rules']: parts } };
  return { side, matcher };
}

/** One rule: any source AND any operation AND every condition (Istio's AuthorizationPolicy rule). */
function rulePolicy(ctx: TranslationContext, rule: AccessRule, policyNamespace: string): EnvoyMessage {
  const conditions = rule.when.map(condition);
  const principals = rule.from.length === 0 ? ANY : anyOf(rule.from.map((s) => sourcePrincipal(ctx, s, policyNamespace)), 'or_ids');
  const permissions = rule.to.length === 0 ? ANY : anyOf(rule.to.map(operationPermission), 'or_rules');
  const principalAll = [principals, ...conditions.filter((c) => c.side === 'principal').map((c) => c.matcher)];
  const permissionAll = [permissions, ...conditions.filter((c) => c.side === 'permission').map((c) => c.matcher)];
  return {
    principals: [principalAll.length === 1 ? principalAll[0]! : { and_ids: { ids: principalAll } }],
    permissions: [permissionAll.length === 1 ? permissionAll[0]! : { and_rules: { rules: permissionAll } }],
  };
}

const ENVOY_ACTION = { AUDIT: 'LOG', DENY: 'DENY', ALLOW: 'ALLOW' } as const;

/**
 * The RBAC filters of a workload, in evaluation order: AUDIT (logs only), DENY, then ALLOW. Each
 * action is its own filter because an Envoy RBAC filter has one action. An ALLOW policy without
 * rules contributes no policy, and an ALLOW filter with no matching policy denies: a workload
 * selected by an empty ALLOW set denies everything. Without ALLOW policies nothing is denied by it.
 */
export function rbacFilters(ctx: TranslationContext, policies: readonly Resolved<'AccessPolicy'>[]): EnvoyMessage[] {
  return (['AUDIT', 'DENY', 'ALLOW'] as const).flatMap((action) => {
    const selected = policies.filter((p) => p.spec.action === action);
    if (selected.length === 0) return [];
    const envoyPolicies = Object.fromEntries(
      selected.flatMap((p) => p.spec.rules.map((rule, i) => [`${whereOf(p)} rules[${i}]`, rulePolicy(ctx, rule, p.metadata.namespace)])),
    );
    return [{ name: FilterName.Rbac, typed_config: { '@type': TypeUrl.Rbac, rules: { action: ENVOY_ACTION[action], policies: envoyPolicies } } }];
  });
}
