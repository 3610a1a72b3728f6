import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AccessOperation, AccessRule, AccessSource } from '../lib/api/access-policy';
import type { MeshModel, Resolved } from '../lib/model';

/** A call through the entry point: what to type, and what it answered when the runner tried it. */
export interface GuidedCall {
  readonly service: string;
  readonly method: string;
  readonly host: string;
  readonly url: string;
  /** The status the call answered just now (0 when it failed to connect). */
  readonly status: number;
  /** The service the call goes through to reach `service`, when it is not called directly. */
  readonly via?: string;
  /** For a call the policies denied (401/403): the access policies that apply to the service, in words. */
  readonly why?: string;
}

/** Where a service is reached from the entry point, and which services it calls. */
export interface GuideTarget {
  readonly service: Resolved<'MeshService'>;
  readonly host: string;
  readonly baseUrl: string;
  readonly calls: readonly string[];
}

/**
 * Calls worth showing a user of the running mesh: for each HTTP service, a request its access
 * policies let the entry point make (tried, not guessed: the policies name paths and the demo
 * applications answer any), or, when they let it make none, the denied call with the policies that
 * deny it and a way through a service the policies do admit.
 */
export async function guideCalls(model: MeshModel, targets: readonly GuideTarget[]): Promise<GuidedCall[]> {
  const guided: GuidedCall[] = [];
  for (const target of targets) {
    const name = target.service.metadata.name;
    const policies = model.policiesFor('AccessPolicy', target.service);
    let denied: GuidedCall | undefined;
    let allowed: GuidedCall | undefined;
    for (const { method, path } of candidateCalls(name, policies)) {
      const call = await tryCall(name, method, target.host, `${target.baseUrl}${path}`);
      if (answered(call)) {
        allowed = call;
        break;
      }
      denied ??= call.status === 401 || call.status === 403 ? { ...call, why: describePolicies(policies) } : call;
    }
    if (denied) guided.push(denied);
    if (allowed) {
      guided.push(allowed);
      continue;
    }
    for (const caller of targets.filter((t) => t.calls.includes(name))) {
      const through = await tryCall(name, 'GET', caller.host, `${caller.baseUrl}/call/${name}/${name}/1`);
      if (answered(through)) {
        guided.push({ ...through, via: caller.service.metadata.name });
        break;
      }
    }
  }
  return guided;
}

const answered = (call: GuidedCall) => call.status >= 200 && call.status < 400;

/** The demo applications' own path first, then a path each ALLOW rule names. */
function candidateCalls(service: string, policies: readonly Resolved<'AccessPolicy'>[]): { method: string; path: string }[] {
  const calls = [{ method: 'GET', path: `/${service}/1` }];
  for (const op of policies.filter((p) => p.spec.action === 'ALLOW').flatMap((p) => p.spec.rules.flatMap((r) => r.to))) {
    const method = op.methods?.[0] ?? 'GET';
    for (const path of op.paths ?? []) {
      const concrete = path.replace(/^\*/, '').replace(/\*$/, '1');
      if (!calls.some((c) => c.path === concrete && c.method === method)) calls.push({ method, path: concrete });
    }
  }
  return calls;
}

function tryCall(service: string, method: string, host: string, url: string): Promise<GuidedCall> {
  return new Promise((resolve) => {
    const req = request(url, { method, headers: { host }, timeout: 5_000 }, (res) => {
      res.resume();
      res.once('end', () => resolve({ service, method, host, url, status: res.statusCode ?? 0 }));
    });
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', () => resolve({ service, method, host, url, status: 0 }));
    req.end();
  });
}

/** The policies in words: "AccessPolicy bookinfo/ratings-deny-all allows nothing; …". */
export function describePolicies(policies: readonly Resolved<'AccessPolicy'>[]): string {
  if (policies.length === 0) return 'no AccessPolicy applies';
  return policies
    .map((p) => {
      const name = `AccessPolicy ${p.metadata.namespace}/${p.metadata.name}`;
      if (p.spec.rules.length === 0) return `${name} ${p.spec.action === 'ALLOW' ? 'allows nothing' : `${p.spec.action.toLowerCase()}s nothing`}`;
      const verb = { ALLOW: 'allows', DENY: 'denies', AUDIT: 'audits' }[p.spec.action];
      return `${name} ${verb} ${p.spec.rules.map(describeRule).join('; and ')}`;
    })
    .join('; ');
}

function describeRule(rule: AccessRule): string {
  const to = rule.to?.length ? rule.to.map(describeOperation).join(' or ') : 'any request';
  const from = rule.from?.length ? rule.from.map(describeSource).join(' or ') : 'anyone';
  const when = rule.when?.length ? ` when ${rule.when.map((c) => `${c.key} is ${c.values?.join('|') ?? `not ${c.notValues?.join('|')}`}`).join(' and ')}` : '';
  return `${to} from ${from}${when}`;
}

function describeOperation(op: AccessOperation): string {
  const parts = [op.methods?.join('|'), op.paths?.join(', '), op.ports?.length ? `port ${op.ports.join('|')}` : undefined, op.notPaths?.length ? `not ${op.notPaths.join(', ')}` : undefined];
  return parts.filter(Boolean).join(' ') || 'any request';
}

function describeSource(source: AccessSource): string {
  const parts = [
    ...(source.principals ?? []).map((p) => `principal ${p}`),
    ...(source.serviceAccounts ?? []).map((sa) => `service account ${sa}`),
    ...(source.namespaces ?? []).map((ns) => `namespace ${ns}`),
    ...(source.requestPrincipals ?? []).map((rp) => `JWT ${rp}`),
  ];
  const not = [...(source.notPrincipals ?? []), ...(source.notNamespaces ?? []), ...(source.notRequestPrincipals ?? [])];
  if (not.length) parts.push(`anyone but ${not.join(', ')}`);
  return parts.join(' and ') || 'anyone';
}

/** What a gateway's call needs: where it listens and what it serves. */
export interface GatewayEntry {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly host: string;
  readonly path: string;
}

/** A call through a gateway, as curl takes it, and what it answered when the runner tried it. */
export interface GatewayCall {
  readonly gateway: string;
  readonly curl: string;
  /** The status answered just now (0 when it failed to connect or TLS failed). */
  readonly status: number;
  readonly location?: string;
}

/**
 * The `curl --resolve <host>:<port>:<address>` line of each gateway entry (with `--cacert` for
 * HTTPS: the demo CA, or the CA of the Secrets given), tried with the same name, address and trust.
 */
export async function gatewayCalls(entries: readonly GatewayEntry[], caFile: string): Promise<GatewayCall[]> {
  const ca = readFileSync(caFile, 'utf8');
  return Promise.all(
    entries.map(async (e) => {
      const https = e.protocol === 'HTTPS';
      const url = `${https ? 'https' : 'http'}://${e.host}:${e.port}${e.path}`;
      const curl = `curl --resolve ${e.host}:${e.port}:${e.address}${https ? ` --cacert ${caFile}` : ''} ${url}`;
      const answer = await new Promise<{ status: number; location?: string }>((resolve) => {
        const options = { host: e.address, port: e.port, path: e.path, headers: { host: `${e.host}:${e.port}` }, timeout: 5_000, ...(https ? { ca, servername: e.host } : {}) };
        const req = (https ? httpsRequest : request)(options, (res) => {
          res.resume();
          res.once('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}) }));
        });
        req.once('timeout', () => req.destroy(new Error('timed out')));
        req.once('error', () => resolve({ status: 0 }));
        req.end();
      });
      return { gateway: e.name, curl, ...answer };
    }),
  );
}
