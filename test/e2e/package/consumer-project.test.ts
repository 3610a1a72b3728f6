import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const repo = path.resolve(__dirname, '../../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-consumer-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string };
    throw Object.assign(new Error(`${cmd} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`), { stderr: e.stderr });
  }
}

const CHART = `import { App, Chart } from 'cdk8s';
import { CanaryRoute, MeshService, PolicyTarget, StrictMtls } from 'meshform';

const app = new App({ outdir: 'dist' });
const chart = new Chart(app, 'shop');
const reviews = new MeshService(chart, 'reviews', {
  namespace: 'shop',
  ports: [{ port: 9080, protocol: 'http' }],
  versions: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }],
});
new CanaryRoute(chart, 'reviews-canary', { service: reviews, stable: 'v1', canary: 'v2', canaryWeight: 25 });
new StrictMtls(chart, 'strict', { target: PolicyTarget.service(reviews) });
app.synth();
`;

describe('a platform team depending on the published package', () => {
  it('installs the packed tarball into a fresh project, type-checks a chart against it and synthesizes it', () => {
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], repo)) as { filename: string; files: { path: string }[] }[];
    const tarball = path.join(work, packed[0]!.filename);
    const shipped = packed[0]!.files.map((f) => f.path);
    expect(shipped).toContain('build/constructs/index.d.ts');
    expect(shipped.some((f) => f.startsWith('test/'))).toBe(false);

    const consumer = path.join(work, 'consumer');
    fs.mkdirSync(consumer);
    fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'platform', version: '1.0.0', private: true }));
    run('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], consumer);

    fs.writeFileSync(path.join(consumer, 'chart.ts'), CHART);
    fs.writeFileSync(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, module: 'commonjs', target: 'ES2022', esModuleInterop: true, skipLibCheck: true, types: [] }, files: ['chart.ts'] }),
    );
    run(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], consumer);
    run(process.execPath, ['chart.js'], consumer);

    const docs = parseAllDocuments(fs.readFileSync(path.join(consumer, 'dist', 'shop.k8s.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string; spec: any });
    const kinds = docs.map((d) => d.kind);
    expect(kinds).toEqual(expect.arrayContaining(['MeshService', 'TrafficRoute', 'MtlsPolicy']));
    const route = docs.find((d) => d.kind === 'TrafficRoute')!;
    expect(route.spec.rules.at(-1).backends.map((b: { version: string; weight: number }) => [b.version, b.weight])).toEqual([
      ['v1', 75],
      ['v2', 25],
    ]);
    expect(docs.find((d) => d.kind === 'MtlsPolicy')!.spec.mode).toBe('STRICT');
  });

  it('gives the consumer a typed error at synth for a mistake', () => {
    const consumer = path.join(work, 'consumer');
    fs.writeFileSync(path.join(consumer, 'bad.js'), CHART.replace("canaryWeight: 25", 'canaryWeight: 125').replace(/^import .*$/gm, '').replace('const app', "const { App, Chart } = require('cdk8s');\nconst { CanaryRoute, MeshService, PolicyTarget, StrictMtls } = require('meshform');\nconst app"));
    let stderr = '';
    try {
      run(process.execPath, ['bad.js'], consumer);
    } catch (err) {
      stderr = String((err as { stderr?: string }).stderr);
    }
    expect(stderr).toMatch(/shop\/reviews-canary/);
    expect(stderr).toMatch(/125/);
  });
});
