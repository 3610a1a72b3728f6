import type { Draft } from './import-context';

/** Source text inside a literal: printed as is. */
class Code {
  constructor(readonly text: string) {}
}
const code = (text: string) => new Code(text);
const WIDTH = 110;
const DEFAULT_RETRY_ON = ['connect-failure', 'refused-stream', 'unavailable', 'cancelled'];

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** A value as a TypeScript literal, on one line when it fits, else one member per line. */
export function literal(value: unknown, indent = ''): string {
  if (value instanceof Code) return value.text;
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return quote(value);
  if (typeof value !== 'object' || value === null) return String(value);
  const inner = `${indent}  `;
  const entries = Array.isArray(value)
    ? value.map((v) => literal(v, inner))
    : Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k)}: ${literal(v, inner)}`);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{ ', ' }'];
  if (entries.length === 0) return Array.isArray(value) ? '[]' : '{}';
  const flat = `${open}${entries.join(', ')}${close}`;
  if (flat.length + indent.length <= WIDTH && !flat.includes('\n')) return flat;
  return `${open.trim()}\n${entries.map((e) => `${inner}${e},`).join('\n')}\n${indent}${close.trim()}`;
}

function call(fn: string, ...args: unknown[]): Code {
  const shown = args.filter((a, i) => a !== undefined || i < args.length - 1).map((a) => literal(a));
  return code(`${fn}(${shown.join(', ')})`);
}

/** `reviews`, `paymentGateway`: an identifier from a resource name. */
function identifier(name: string): string {
  const camel = name.replace(/-+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return /^[0-9]/.test(camel) ? `_${camel}` : camel;
}

/** Thrown (and caught) when a resource cannot be said exactly with the constructs: it is written as an ApiObject. */
class NotExpressible extends Error {}
function need(condition: unknown): asserts condition {
  if (!condition) throw new NotExpressible();
}

// Specs arrive validated-shaped from the converters; the writer reads them loosely to stay short.
type Spec = Record<string, any>;

interface Writer {
  readonly imports: Set<string>;
  ref(name: string, namespace: string | undefined, from: string): Code;
}

function matchCode(m: Spec, w: Writer): Code {
  const parts: Code[] = [];
  const opts = (ignoreCase: boolean | undefined) => (ignoreCase ? { ignoreCase: true } : undefined);
  if (m.path) parts.push(call(`Match.${{ Exact: 'pathExact', Prefix: 'pathPrefix', RegularExpression: 'pathRegex' }[m.path.type as 'Exact'] ?? 'pathPrefix'}`, m.path.value, opts(m.path.ignoreCase)));
  if (m.method) parts.push(call('Match.method', m.method));
  for (const h of m.headers ?? []) {
    const type = h.type ?? 'Exact';
    need(!h.invert || type === 'Present');
    parts.push(h.invert ? call('Match.headerAbsent', h.name) : type === 'Present' ? call('Match.headerPresent', h.name) : call(`Match.${{ Exact: 'header', Prefix: 'headerPrefix', RegularExpression: 'headerRegex' }[type as 'Exact']}`, h.name, h.value));
  }
  for (const c of m.cookies ?? []) {
    need((c.type ?? 'Exact') !== 'Prefix');
    parts.push(call(c.type === 'RegularExpression' ? 'Match.cookieRegex' : 'Match.cookie', c.name, c.value));
  }
  for (const q of m.queryParams ?? []) parts.push(q.type === 'Present' ? call('Match.queryParamPresent', q.name) : call(q.type === 'RegularExpression' ? 'Match.queryParamRegex' : 'Match.queryParam', q.name, q.value));
  need(parts.length > 0);
  w.imports.add('Match');
  return parts.length === 1 ? parts[0]! : code(`Match.all(${parts.map((p) => p.text).join(', ')})`);
}

function backendCode(b: Spec, route: { name: string; namespace?: string }, w: Writer): Code {
  w.imports.add('Backend');
  if (b.name === undefined && b.namespace === undefined && b.port === undefined && b.version !== undefined) return call('Backend.version', b.version, b.weight);
  const options = { version: b.version, port: b.port, weight: b.weight };
  return call('Backend.service', w.ref(b.name ?? route.name, b.namespace ?? route.namespace, route.namespace ?? ''), Object.values(options).some((v) => v !== undefined) ? options : undefined);
}

function retryCode(r: Spec, w: Writer): Code {
  w.imports.add('Retry');
  let text = `Retry.on(${(r.retryOn ?? DEFAULT_RETRY_ON).map(quote).join(', ')})`;
  if (r.attempts !== undefined) text += `.attempts(${r.attempts})`;
  if (r.perTryTimeout !== undefined) text += `.perTryTimeout(${quote(r.perTryTimeout)})`;
  if (r.backoff) text += `.backoff(${quote(r.backoff.baseInterval ?? '25ms')}${r.backoff.maxInterval ? `, ${quote(r.backoff.maxInterval)}` : ''})`;
  if (r.budget) text += `.budget(${literal(r.budget)})`;
  return code(text);
}

function faultCode(f: Spec, w: Writer): Code {
  w.imports.add('FaultInjection');
  const parts: string[] = [];
  const pct = (p: number | undefined) => (p !== undefined ? { percent: p } : undefined);
  if (f.delay) parts.push(call('FaultInjection.delay', f.delay.fixedDelay, pct(f.delay.percent)).text);
  if (f.abort) parts.push(f.abort.grpcStatus ? call('FaultInjection.abortGrpc', f.abort.grpcStatus, pct(f.abort.percent)).text : call('FaultInjection.abort', f.abort.httpStatus, pct(f.abort.percent)).text);
  return code(parts.join('.and(') + (parts.length > 1 ? ')' : ''));
}

function ruleCode(rule: Spec, route: { name: string; namespace?: string }, w: Writer): Spec {
  const { name, matches, backends, timeout, retry, fault, mirror, ...plain } = rule;
  if (timeout) w.imports.add('Timeout');
  if (mirror) w.imports.add('TrafficMirror');
  const m = mirror?.backend ?? {};
  return {
    name,
    matches: matches?.length ? matches.map((x: Spec) => matchCode(x, w)) : undefined,
    backends: backends?.length ? backends.map((b: Spec) => backendCode(b, route, w)) : undefined,
    timeout: timeout ? call('Timeout.of', timeout) : undefined,
    retry: retry ? retryCode(retry, w) : undefined,
    fault: fault ? faultCode(fault, w) : undefined,
    mirror: mirror
      ? call('TrafficMirror.to', w.ref(m.name ?? route.name, m.namespace ?? route.namespace, route.namespace ?? ''), Object.values({ version: m.version, port: m.port, percent: mirror.percent }).some((v) => v !== undefined) ? { version: m.version, port: m.port, percent: mirror.percent } : undefined)
      : undefined,
    ...plain,
  };
}

function loadBalancerCode(lb: Spec, w: Writer): Code {
  w.imports.add('LoadBalancer');
  if (lb.type === 'ConsistentHash') {
    w.imports.add('Hash');
    const h = lb.consistentHash;
    const hash = h.header ? call('Hash.header', h.header) : h.cookie ? call('Hash.cookie', h.cookie.name, h.cookie.ttl || h.cookie.path ? { ttl: h.cookie.ttl, path: h.cookie.path } : undefined) : h.sourceIp ? call('Hash.sourceIp') : call('Hash.queryParam', h.queryParam);
    return call('LoadBalancer.consistentHash', hash, h.algorithm || h.minimumRingSize ? { algorithm: h.algorithm, minimumRingSize: h.minimumRingSize } : undefined);
  }
  return lb.type === 'LeastRequest' ? call('LoadBalancer.leastRequest', lb.choiceCount ? { choiceCount: lb.choiceCount } : undefined) : call(`LoadBalancer.${lb.type === 'Random' ? 'random' : 'roundRobin'}`);
}

function targetCode(t: Spec, namespace: string | undefined, w: Writer): Code {
  w.imports.add('PolicyTarget');
  if (t.kind === 'Mesh') return call('PolicyTarget.mesh');
  if (t.kind === 'Namespace') return call('PolicyTarget.namespace');
  return call('PolicyTarget.service', w.ref(t.name, t.namespace ?? namespace, namespace ?? ''));
}

function principalCode(s: Spec, w: Writer): Code {
  const keys = Object.keys(s).filter((k) => s[k] !== undefined);
  w.imports.add('Principal');
  need(keys.length >= 1);
  const one = (k: string) => keys.length === 1 && keys[0] === k && s[k].length === 1;
  if (one('principals')) return s.principals[0] === '*' ? call('Principal.anyAuthenticated') : call('Principal.spiffe', s.principals[0]);
  if (one('namespaces')) return call('Principal.namespace', s.namespaces[0]);
  if (one('requestPrincipals')) {
    const rp: string = s.requestPrincipals[0];
    const cut = rp.lastIndexOf('/');
    need(cut > 0);
    return rp.slice(cut + 1) === '*' ? call('Principal.jwt', rp.slice(0, cut)) : call('Principal.jwt', rp.slice(0, cut), rp.slice(cut + 1));
  }
  if (one('serviceAccounts')) return call('Principal.serviceAccount', s.serviceAccounts[0]);
  need(keys.length === 2 && s.serviceAccounts?.length === 1 && s.namespaces?.length === 1);
  return call('Principal.serviceAccount', s.serviceAccounts[0], { namespace: s.namespaces[0] });
}

function conditionCode(c: Spec, w: Writer): Code {
  w.imports.add('Condition');
  need((c.values === undefined) !== (c.notValues === undefined));
  const values = c.values ?? c.notValues;
  const claims = /^request\.auth\.claims((\[[^\]]+\])+)$/.exec(c.key);
  const header = /^request\.headers\[([^\]]+)\]$/.exec(c.key);
  let base: Code;
  if (claims) {
    const path = [...claims[1]!.matchAll(/\[([^\]]+)\]/g)].map((x) => x[1]!);
    base = call('Condition.claim', path.length === 1 ? path[0] : path, values);
  } else if (header) base = call('Condition.header', header[1], values);
  else {
    need(c.key === 'source.namespace');
    base = call('Condition.sourceNamespace', values);
  }
  return c.notValues ? code(`${base.text}.negate()`) : base;
}

/** The construct call of one resource; NotExpressible when the constructs cannot say it exactly. */
function constructOf(r: Draft, w: Writer): { kind: string; props: Spec } {
  const s = r.spec as Spec;
  need(!r.metadata.annotations);
  const base = { name: r.metadata.name, namespace: r.metadata.namespace, labels: r.metadata.labels };
  const ns = r.metadata.namespace;
  switch (r.kind) {
    case 'MeshService':
      need(s.replicas === undefined);
      return {
        kind: 'MeshService',
        props: { ...base, selector: s.selector, ports: s.ports, serviceAccount: s.serviceAccount, versions: s.versions, calls: s.calls?.map((c: Spec) => w.ref(c.name, c.namespace ?? ns, ns ?? '')), injectSidecar: s.sidecar?.inject === false ? false : undefined },
      };
    case 'ExternalService':
      return { kind: 'ExternalService', props: { ...base, ...s } };
    case 'TrafficRoute': {
      const route = { name: s.service.name, namespace: s.service.namespace ?? ns };
      return { kind: 'TrafficRoute', props: { ...base, service: w.ref(route.name, route.namespace, ns ?? ''), port: s.service.port, rules: s.rules.map((rule: Spec) => ruleCode(rule, route, w)) } };
    }
    case 'TrafficPolicy': {
      const breaker = s.connectionPool !== undefined || s.outlierDetection !== undefined;
      return {
        kind: breaker ? 'CircuitBreaker' : 'TrafficPolicy',
        props: { ...base, service: w.ref(s.service.name, s.service.namespace ?? ns, ns ?? ''), version: s.service.version, loadBalancer: s.loadBalancer ? loadBalancerCode(s.loadBalancer, w) : undefined, connectionPool: s.connectionPool, outlierDetection: s.outlierDetection, retryBudget: s.retryBudget },
      };
    }
    case 'MtlsPolicy':
      return { kind: 'StrictMtls', props: { ...base, target: targetCode(s.targetRef, ns, w), mode: s.mode, portModes: s.portLevel ? Object.fromEntries(s.portLevel.map((p: Spec) => [String(p.port), p.mode])) : undefined } };
    case 'AccessPolicy':
      return {
        kind: 'AccessPolicy',
        props: {
          ...base,
          target: targetCode(s.targetRef, ns, w),
          action: s.action,
          rules: s.rules?.map((rule: Spec) => ({ from: rule.from?.map((x: Spec) => principalCode(x, w)), to: rule.to, when: rule.when?.map((c: Spec) => conditionCode(c, w)) })),
        },
      };
    case 'JwtPolicy':
      w.imports.add('Jwks');
      return {
        kind: 'JwtAuth',
        props: {
          ...base,
          target: targetCode(s.targetRef, ns, w),
          required: s.required,
          issuers: s.rules.map(({ jwks, jwksUri, ...rule }: Spec) => ({ ...rule, keys: jwksUri !== undefined ? call('Jwks.fromUri', jwksUri) : call('Jwks.inline', jwks) })),
        },
      };
    case 'RateLimit':
      return { kind: 'RateLimit', props: { ...base, target: targetCode(s.targetRef, ns, w), route: s.route, tokens: s.local.tokens, fillInterval: s.local.fillInterval, tokensPerFill: s.local.tokensPerFill, response: s.response } };
    case 'Telemetry':
      return { kind: 'Telemetry', props: { ...base, target: targetCode(s.targetRef, ns, w), tracing: s.tracing, metrics: s.metrics, accessLogs: s.accessLogs } };
    case 'Mesh':
      return { kind: 'Mesh', props: { name: r.metadata.name, labels: r.metadata.labels, trustDomain: s.trustDomain, mtlsMode: s.mtls?.mode, ca: s.ca, outboundPolicy: s.outboundPolicy, retryBudget: s.retryBudget, controlPlaneNamespace: s.controlPlaneNamespace } };
    case 'Canary':
      return { kind: 'Canary', props: { ...base, service: w.ref(s.service.name, s.service.namespace ?? ns, ns ?? ''), route: { name: s.route }, stableVersion: s.stableVersion, canaryVersion: s.canaryVersion, analysis: s.analysis } };
    default:
      throw new NotExpressible();
  }
}

/**
 * Services before what refers to them: external services, then mesh services each after the ones it
 * calls (a cycle is broken by naming the later one with ServiceRef.fromName), then the rest in order.
 */
function declarationOrder(resources: readonly Draft[]): Draft[] {
  const key = (name: string, namespace: string | undefined) => `${namespace ?? ''}/${name}`;
  const services = new Map(resources.filter((r) => r.kind === 'MeshService').map((r) => [key(r.metadata.name, r.metadata.namespace), r]));
  const ordered: Draft[] = [];
  const visiting = new Set<Draft>();
  const visit = (r: Draft) => {
    if (ordered.includes(r) || visiting.has(r)) return;
    visiting.add(r);
    for (const c of (r.spec.calls ?? []) as { name: string; namespace?: string }[]) {
      const callee = services.get(key(c.name, c.namespace ?? r.metadata.namespace));
      if (callee) visit(callee);
    }
    ordered.push(r);
  };
  services.forEach(visit);
  const rank = (r: Draft) => (r.kind === 'Mesh' ? 0 : r.kind === 'ExternalService' ? 1 : r.kind === 'MeshService' ? 2 : 3);
  return [...resources.filter((r) => rank(r) < 2), ...ordered, ...resources.filter((r) => rank(r) === 3)].sort((a, b) => rank(a) - rank(b));
}

/**
 * Meshform resources as a readable cdk8s chart written with the constructs (MeshService,
 * TrafficRoute, CircuitBreaker, StrictMtls, …); a resource the constructs cannot say exactly is
 * written as an ApiObject. The chart synthesizes to the same resources.
 */
export function typescriptChart(resources: readonly Draft[]): string {
  const imports = new Set<string>(['ServiceRef']);
  const vars = new Map<string, string>();
  const used = new Set<string>();
  for (const r of resources.filter((x) => x.kind === 'MeshService' || x.kind === 'ExternalService')) {
    let v = identifier(r.metadata.name);
    if (used.has(v)) v = identifier(`${r.metadata.namespace ?? ''}-${r.metadata.name}`);
    used.add(v);
    vars.set(`${r.metadata.namespace ?? ''}/${r.metadata.name}`, v);
  }
  let usesServiceRef = false;
  const declared = new Set<string>();
  const writer: Writer = {
    imports,
    ref: (name, namespace, from) => {
      const v = vars.get(`${namespace ?? ''}/${name}`);
      if (v && declared.has(v)) return code(v);
      usesServiceRef = true;
      return call('ServiceRef.fromName', name, namespace !== undefined && namespace !== from ? { namespace } : undefined);
    },
  };
  let usesApiObject = false;
  const statements = declarationOrder(resources).map((r) => {
    const id = [r.kind, r.metadata.namespace, r.metadata.name].filter(Boolean).join('-');
    const v = vars.get(`${r.metadata.namespace ?? ''}/${r.metadata.name}`);
    try {
      const { kind, props } = constructOf(r, writer);
      imports.add(kind);
      const decl = (r.kind === 'MeshService' || r.kind === 'ExternalService') && v ? `const ${v} = ` : '';
      if (decl) declared.add(v!);
      return `${decl}new ${kind}(chart, ${quote(id)}, ${literal(props)});`;
    } catch (error) {
      if (!(error instanceof NotExpressible)) throw error;
      usesApiObject = true;
      return `// Not expressible exactly with the constructs: the resource as is.\nnew ApiObject(chart, ${quote(id)}, ${literal(r)});`;
    }
  });
  if (!usesServiceRef) imports.delete('ServiceRef');
  const cdk8s = ['App', 'Chart', ...(usesApiObject ? ['ApiObject'] : [])].sort();
  return [
    '// Written by `meshform import`: the imported mesh as Meshform constructs. `npx cdk8s synth` or `npx tsx <this file>` writes the manifests.',
    `import { ${cdk8s.join(', ')} } from 'cdk8s';`,
    `import { ${[...imports].sort().join(', ')} } from 'meshform';`,
    '',
    'const app = new App();',
    "const chart = new Chart(app, 'imported');",
    '',
    ...statements.flatMap((s) => [s, '']),
    'app.synth();',
    '',
  ].join('\n');
}
