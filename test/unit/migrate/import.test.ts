import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { analyzeDir } from '../../../cli/analyze-command';
import { readInputs, runImport, type ImportOptions } from '../../../cli/import-command';
import { parseManifests } from '../../../lib/manifests';
import { importObjects, percents, typescriptChart } from '../../../lib/migrate';

const FIXTURES = path.join(__dirname, '../../fixtures/migrate');
const importFixture = (name: string) => importObjects(readInputs([path.join(FIXTURES, name)]));
const resource = (result: ReturnType<typeof importObjects>, kind: string, name: string) => result.resources.find((r) => r.kind === kind && r.metadata.name === name);
const notesOf = (result: ReturnType<typeof importObjects>, severity: 'dropped' | 'differs') =>
  result.notes.filter((n) => n.severity === severity).map((n) => `${n.object} ${n.field}`);

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-import-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** `meshform import <fixture> --out <dir>` (the command's implementation, as cli/main.ts loads it lazily), its report silenced. */
function meshformImport(fixture: string, options: Partial<ImportOptions> = {}): number {
  const log = console.log;
  console.log = () => undefined;
  try {
    return runImport([path.join(FIXTURES, fixture)], { format: 'yaml', out: dir, ...options });
  } finally {
    console.log = log;
  }
}

describe('meshform import of the bookinfo Istio YAML', () => {
  const result = importFixture('bookinfo');

  it('routes reviews as Istio does: jason and the premium cookie to v2, ?test=true to v3, 90/10 with retries and a timeout', () => {
    expect(resource(result, 'TrafficRoute', 'reviews')!.spec).toEqual({
      service: { name: 'reviews' },
      rules: [
        { name: 'jason', matches: [{ headers: [{ name: 'end-user', type: 'Exact', value: 'jason' }] }], backends: [{ version: 'v2' }], retry: { attempts: 2 } },
        { name: 'premium', matches: [{ cookies: [{ name: 'user', value: 'premium' }] }], backends: [{ version: 'v2' }], retry: { attempts: 2 } },
        { name: 'test-query', matches: [{ queryParams: [{ name: 'test', type: 'Exact', value: 'true' }] }], backends: [{ version: 'v3' }], retry: { attempts: 2 } },
        {
          name: 'canary',
          backends: [{ version: 'v1', weight: 90 }, { version: 'v3', weight: 10 }],
          timeout: '10s',
          retry: { attempts: 3, perTryTimeout: '2s', retryOn: ['gateway-error', 'connect-failure', 'refused-stream'] },
        },
      ],
    });
  });

  it('keeps fault injection, redirects (with their code), rewrites, mirrors and header changes', () => {
    expect(resource(result, 'TrafficRoute', 'ratings')!.spec.rules).toEqual([
      { name: 'split', backends: [{ version: 'v1', weight: 75 }, { version: 'v2', weight: 25 }], retry: { attempts: 2 }, fault: { delay: { fixedDelay: '5s', percent: 10 }, abort: { httpStatus: 500, percent: 10 } } },
    ]);
    const [oldApi, main] = resource(result, 'TrafficRoute', 'productpage')!.spec.rules as Record<string, unknown>[];
    expect(oldApi).toEqual({ name: 'old-api', matches: [{ path: { type: 'Prefix', value: '/api/v0/' } }], redirect: { path: '/api/v1/', statusCode: 308 } });
    expect(main).toMatchObject({
      matches: [{ path: { type: 'Prefix', value: '/static/', ignoreCase: true } }, { path: { type: 'Exact', value: '/productpage' } }, { path: { type: 'RegularExpression', value: '^/api/v1/products(/.*)?$' }, method: 'GET' }],
      mirror: { backend: { version: 'v1' }, percent: 5 },
      rewrite: { authority: 'productpage.internal' },
      requestHeaders: { set: { 'x-served-by': 'meshform' } },
      responseHeaders: { remove: ['server'] },
    });
  });

  it('makes MeshServices from the Kubernetes Services, the DestinationRule subsets and the Deployment\'s service account', () => {
    expect(resource(result, 'MeshService', 'productpage')!.spec).toEqual({ selector: { app: 'productpage' }, ports: [{ name: 'http', port: 9080, protocol: 'http' }], serviceAccount: 'bookinfo-productpage', versions: [{ name: 'v1', labels: { version: 'v1' } }], calls: [{ name: 'details' }, { name: 'reviews' }, { name: 'payment-gateway' }] });
    expect(resource(result, 'MeshService', 'ratings')!.spec.ports).toEqual([{ name: 'http', port: 9080, protocol: 'http' }, { name: 'grpc', port: 9090, protocol: 'grpc' }]);
    expect(resource(result, 'TrafficPolicy', 'reviews')!.spec).toMatchObject({ loadBalancer: { type: 'LeastRequest' }, connectionPool: { tcp: { maxConnections: 100, connectTimeout: '500ms' } }, outlierDetection: { consecutive5xxErrors: 5 } });
    expect(resource(result, 'TrafficPolicy', 'reviews-v3')!.spec).toEqual({ service: { name: 'reviews', version: 'v3' }, loadBalancer: { type: 'RoundRobin' } });
    expect(resource(result, 'ExternalService', 'payment-gateway')!.spec).toEqual({ hosts: ['api.stripe.com'], ports: [{ name: 'https', port: 443, protocol: 'https' }], resolution: 'DNS', tls: { mode: 'ORIGINATE', sni: 'api.stripe.com' } });
    expect(result.workloads.map((w) => w.kind)).toEqual(['ServiceAccount', 'Deployment']);
  });

  it('turns the security policies into MtlsPolicy, AccessPolicy and JwtPolicy with Istio\'s targets', () => {
    expect(resource(result, 'MtlsPolicy', 'default')!.spec).toEqual({ targetRef: { kind: 'Namespace' }, mode: 'STRICT' });
    expect(resource(result, 'MtlsPolicy', 'mesh-wide')).toMatchObject({ metadata: { namespace: 'istio-system' }, spec: { targetRef: { kind: 'Mesh' }, mode: 'PERMISSIVE' } });
    expect(resource(result, 'MtlsPolicy', 'ratings-metrics')!.spec).toEqual({ targetRef: { kind: 'MeshService', name: 'ratings' }, mode: 'STRICT', portLevel: [{ port: 9090, mode: 'PERMISSIVE' }] });
    expect(resource(result, 'AccessPolicy', 'ratings-deny-all')!.spec).toEqual({ targetRef: { kind: 'MeshService', name: 'ratings' }, action: 'ALLOW' });
    expect(resource(result, 'JwtPolicy', 'productpage-jwt')!.spec).toMatchObject({ required: false, rules: [{ issuer: 'https://auth.bookinfo.example', audiences: ['bookinfo'], forwardOriginalToken: true }] });
  });

  it('reads the local rate limit EnvoyFilter pattern, the Sidecar egress and outbound policy, and Telemetry', () => {
    expect(resource(result, 'RateLimit', 'productpage-ratelimit')!.spec).toEqual({ targetRef: { kind: 'MeshService', name: 'productpage' }, local: { tokens: 100, fillInterval: '1m' }, response: { headers: { 'x-local-rate-limit': 'true' } } });
    expect(resource(result, 'MeshService', 'productpage')!.spec.calls).toEqual([{ name: 'details' }, { name: 'reviews' }, { name: 'payment-gateway' }]);
    expect(resource(result, 'Mesh', 'default')!.spec).toEqual({ outboundPolicy: 'REGISTRY_ONLY' });
    expect(resource(result, 'Telemetry', 'tracing')!.spec).toEqual({ targetRef: { kind: 'Namespace' }, tracing: { samplingPercent: 10, customTags: { user: { header: 'end-user' } } }, accessLogs: { enabled: true } });
  });

  it('reports every field it could not carry, with file, object, field and why', () => {
    expect(notesOf(result, 'dropped').sort()).toEqual(
      [
        'AuthorizationPolicy bookinfo/ext-authz spec',
        'AuthorizationPolicy bookinfo/ext-authz spec.provider',
        'AuthorizationPolicy bookinfo/productpage-access spec.rules[1].from[0].source.ipBlocks',
        'AuthorizationPolicy bookinfo/productpage-access spec.rules[1].when[1]',
        'DestinationRule bookinfo/reviews spec.trafficPolicy.connectionPool.http.h2UpgradePolicy',
        'EnvoyFilter bookinfo/lua-hello spec',
        'Gateway bookinfo/bookinfo-gateway (whole object)',
        'Sidecar bookinfo/productpage spec.egress[0].hosts[3]',
        'Telemetry bookinfo/tracing spec.tracing[0].customTags.user.header.defaultValue',
        'Service bookinfo/productpage spec.type',
        'VirtualService bookinfo/productpage spec.gateways',
        'VirtualService bookinfo/productpage spec.http[1].corsPolicy',
      ].sort(),
    );
    const cors = result.notes.find((n) => n.field === 'spec.http[1].corsPolicy')!;
    expect(cors.file).toMatch(/bookinfo[/\\]virtual-services\.yaml$/);
    expect(cors.why).toMatch(/CORS/);
  });

  it('gives resources meshform analyze accepts clean', () => {
    expect(meshformImport('bookinfo')).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(['import-report.txt', 'mesh.yaml', 'workloads.yaml']);
    expect(analyzeDir(dir)).toEqual([]);
    expect(fs.readFileSync(path.join(dir, 'import-report.txt'), 'utf8')).toContain('spec.http[1].corsPolicy: Meshform has no CORS policy');
  });

  it('exits 1 under --strict when a field was dropped, 0 when everything was carried', () => {
    expect(meshformImport('bookinfo', { strict: true })).toBe(1);
    expect(meshformImport('smi', { strict: true })).toBe(0);
  });
});

describe('meshform import of the other sources', () => {
  it.each(['smi', 'linkerd', 'flagger', 'gateway-api'])('%s: meshform analyze accepts the result clean', (name) => {
    expect(meshformImport(name)).toBe(0);
    expect(analyzeDir(dir)).toEqual([]);
  });

  it('SMI TrafficSplit: weights as whole percents of the backend services, which become versions of the root service', () => {
    const result = importFixture('smi');
    expect(resource(result, 'TrafficRoute', 'website-rollout')!.spec).toEqual({ service: { name: 'website' }, rules: [{ name: 'split', backends: [{ version: 'v1', weight: 75 }, { version: 'v2', weight: 25 }] }] });
    expect(resource(result, 'MeshService', 'website')!.spec.versions).toEqual([{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }]);
    expect(resource(result, 'MeshService', 'website-v1')).toBeUndefined();
  });

  it('Linkerd ServiceProfile: a rule per route (regex path, method, timeout, retries), a catch-all, and the retry budget', () => {
    const result = importFixture('linkerd');
    expect(resource(result, 'TrafficRoute', 'books')!.spec.rules).toEqual([
      { name: 'get-books-json', matches: [{ method: 'GET', path: { type: 'RegularExpression', value: '/books\\.json' } }], backends: [{}], retry: { retryOn: ['5xx'] } },
      { name: 'post-books', matches: [{ method: 'POST', path: { type: 'RegularExpression', value: '/books' } }], backends: [{}], timeout: '300ms' },
      { name: 'get-books-id', matches: [{ method: 'GET', path: { type: 'RegularExpression', value: '/books/[^/]*\\.json' } }], backends: [{}], timeout: '100ms', retry: { retryOn: ['5xx'] } },
      { name: 'default', backends: [{}] },
    ]);
    expect(resource(result, 'TrafficPolicy', 'books-retry-budget')!.spec).toEqual({ service: { name: 'books' }, retryBudget: { retryRatio: 0.2, minRetriesPerSecond: 10, ttl: '10s' } });
    expect(notesOf(result, 'dropped')).toEqual(['ServiceProfile booksapp/books.booksapp.svc.cluster.local spec.routes[2].responseClasses']);
  });

  it('Flagger Canary: a Canary with its thresholds over a route of primary and canary versions', () => {
    const result = importFixture('flagger');
    expect(resource(result, 'Canary', 'podinfo')!.spec).toEqual({
      service: { name: 'podinfo' },
      route: 'podinfo',
      stableVersion: 'primary',
      canaryVersion: 'canary',
      analysis: { interval: '1m', stepWeight: 10, maxWeight: 50, threshold: 5, successRateMin: 99, latencyP99Max: '500ms' },
    });
    expect(notesOf(result, 'dropped')).toEqual(
      expect.arrayContaining(['Canary test/podinfo spec.analysis.webhooks', 'Canary test/podinfo spec.progressDeadlineSeconds']),
    );
  });

  it('Gateway API HTTPRoute on a Service: matches, filters, timeouts and relative weights', () => {
    const rules = resource(importFixture('gateway-api'), 'TrafficRoute', 'reviews')!.spec.rules as Record<string, unknown>[];
    expect(rules[1]).toEqual({ matches: [{ path: { type: 'Prefix', value: '/legacy' } }], backends: [{ version: 'v1', port: 9080 }], rewrite: { path: { type: 'ReplacePrefixMatch', value: '/v1' } }, requestHeaders: { set: { 'x-route': 'legacy' } }, timeout: '5s' });
    expect(rules[2]).toEqual({ backends: [{ version: 'v1', port: 9080, weight: 90 }, { version: 'v2', port: 9080, weight: 10 }] });
  });
});

describe('a root Service whose selector picks another Service\'s pods (SMI and GAMMA)', () => {
  const SERVICES = `apiVersion: v1
kind: Service
metadata: { name: books, namespace: shop }
spec: { selector: { app: books }, ports: [{ name: http, port: 9080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: books-v2, namespace: shop }
spec: { selector: { app: books, version: v2 }, ports: [{ name: http, port: PORT }] }
---
apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata: { name: books-split, namespace: shop }
spec: { service: books, backends: [{ service: books, weight: 90 }, { service: books-v2, weight: 10 }] }
`;
  const importYaml = (yaml: string) => importObjects(parseManifests(yaml, 'services.yaml'));
  const selectorNotes = (result: ReturnType<typeof importObjects>) => result.notes.filter((n) => n.field === 'spec.selector' && n.object === 'Service shop/books');

  it('makes the per-version Service a version of the root and the backends naming it that version, and says so', () => {
    const result = importYaml(SERVICES.replace('PORT', '9080'));
    expect(resource(result, 'MeshService', 'books')!.spec.versions).toEqual([{ name: 'v2', labels: { version: 'v2' } }]);
    expect(resource(result, 'MeshService', 'books-v2')).toBeUndefined();
    expect(resource(result, 'TrafficRoute', 'books-split')!.spec.rules).toEqual([{ name: 'split', backends: [{ name: 'books', weight: 90 }, { version: 'v2', weight: 10 }] }]);
    const [note] = selectorNotes(result);
    expect(note).toMatchObject({ severity: 'differs', file: 'services.yaml' });
    expect(note!.why).toMatch(/pods of Service books-v2 .*503 \(upstream identity mismatch\).*imported as version v2 \(version=v2\) of MeshService books/);
  });

  it('reports the overlap with what to do, folding nothing, when the per-version Service serves other ports', () => {
    const result = importYaml(SERVICES.replace('PORT', '9090'));
    expect(resource(result, 'MeshService', 'books-v2')).toBeDefined();
    expect(resource(result, 'MeshService', 'books')!.spec.versions).toBeUndefined();
    expect(selectorNotes(result).map((n) => n.why)).toEqual([expect.stringMatching(/503 \(upstream identity mismatch\)\. Not folded \(books-v2 differs from books in ports.*\): make books-v2 a version of books/)]);
  });

  it('reports, folding nothing, when the per-version Service is named outside the root\'s routes', () => {
    const vs = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: books-v2, namespace: shop }\nspec: { hosts: [books-v2], http: [{ route: [{ destination: { host: books-v2 } }], timeout: 1s }] }\n';
    const result = importYaml(`${SERVICES.replace('PORT', '9080')}---\n${vs}`);
    expect(resource(result, 'MeshService', 'books-v2')).toBeDefined();
    expect(resource(result, 'TrafficRoute', 'books-split')!.spec.rules).toEqual([{ name: 'split', backends: [{ name: 'books', weight: 90 }, { name: 'books-v2', weight: 10 }] }]);
    expect(selectorNotes(result).map((n) => n.why)).toEqual([expect.stringMatching(/Not folded \(books-v2 is named outside books's route backends\)/)]);
  });

  it('reports two Services with the same selector, folding nothing', () => {
    const result = importYaml(SERVICES.replace('PORT', '9080').replace('{ app: books, version: v2 }', '{ app: books }'));
    expect(resource(result, 'MeshService', 'books-v2')).toBeDefined();
    expect(selectorNotes(result).map((n) => n.why)).toEqual([expect.stringMatching(/Not folded \(books-v2 selects the same pods\)/)]);
  });

  it('says nothing of Services whose selectors pick disjoint pods', () => {
    const result = importYaml(SERVICES.replace('PORT', '9080').replace('{ app: books, version: v2 }', '{ app: books-v2 }'));
    expect(result.notes.filter((n) => n.field === 'spec.selector')).toEqual([]);
  });

  it('writes the line to the import report', () => {
    fs.mkdirSync(path.join(dir, 'in'));
    fs.writeFileSync(path.join(dir, 'in', 'services.yaml'), SERVICES.replace('PORT', '9080'));
    const log = console.log;
    console.log = () => undefined;
    try {
      runImport([path.join(dir, 'in')], { format: 'yaml', out: path.join(dir, 'out') });
    } finally {
      console.log = log;
    }
    expect(fs.readFileSync(path.join(dir, 'out', 'import-report.txt'), 'utf8')).toMatch(/^differs .*services\.yaml Service shop\/books spec\.selector: selects the pods of Service books-v2 too/m);
  });
});

describe('nothing is dropped silently', () => {
  it('reports a field no converter knows, by its path', () => {
    const [vs] = parseManifests(
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: r, namespace: shop }\nspec:\n  hosts: [r]\n  futureField: { a: 1 }\n  http:\n  - route: [{ destination: { host: r } }]\n    brandNew: [x, y]\n',
      'future.yaml',
    );
    const result = importObjects([vs!]);
    expect(notesOf(result, 'dropped')).toEqual(['VirtualService shop/r spec.futureField.a', 'VirtualService shop/r spec.http[0].brandNew[0]', 'VirtualService shop/r spec.http[0].brandNew[1]']);
    expect(result.notes[0]).toMatchObject({ file: 'future.yaml', why: 'has no Meshform equivalent' });
  });

  it('reports a resource that fails Meshform\'s validation instead of writing it', () => {
    const [vs] = parseManifests('apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: r }\nspec:\n  hosts: [r]\n  http:\n  - route: [{ destination: { host: r }, weight: 60 }, { destination: { host: r, subset: b }, weight: 60 }]\n', 'w.yaml');
    const result = importObjects([vs!]);
    expect(result.resources.map((r) => r.kind)).toEqual(['MeshService']);
    expect(result.notes.find((n) => n.object === 'TrafficRoute default/r')).toMatchObject({ severity: 'dropped', field: 'spec.rules[0].backends', why: expect.stringContaining('WEIGHTS_SUM') });
  });
});

describe('relative weights as whole percents', () => {
  it('keeps exact shares and rounds the rest by largest remainder to 100', () => {
    expect(percents([750, 250])).toEqual({ percents: [75, 25], exact: true });
    expect(percents([1, 1, 1])).toEqual({ percents: [34, 33, 33], exact: false });
    expect(percents([0, 0])).toEqual({ percents: [100, 0], exact: false });
    expect(percents([5])).toEqual({ percents: [100], exact: true });
  });
});

describe('meshform import --format ts', () => {
  it('writes the bookinfo import as a chart of constructs (golden file; the e2e suite compiles and synthesizes it)', async () => {
    const chart = typescriptChart(importFixture('bookinfo').resources);
    expect(chart).not.toContain('new ApiObject');
    await expect(chart).toMatchFileSnapshot('../../fixtures/migrate/bookinfo-chart.ts.golden');
  });

  it('writes a resource the constructs cannot say exactly as an ApiObject', () => {
    const [route] = importObjects(parseManifests('apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: r, namespace: shop }\nspec:\n  hosts: [r]\n  http:\n  - match: [{ withoutHeaders: { x-test: { exact: "1" } } }]\n    route: [{ destination: { host: r } }]\n', 'r.yaml')).resources.filter((r) => r.kind === 'TrafficRoute');
    const chart = typescriptChart([route!]);
    expect(chart).toContain("import { ApiObject, App, Chart } from 'cdk8s';");
    expect(chart).toContain("new ApiObject(chart, 'TrafficRoute-shop-r', {");
    expect(chart).toContain("invert: true");
  });
});
