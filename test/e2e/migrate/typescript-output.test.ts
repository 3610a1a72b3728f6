import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { readInputs } from '../../../cli/import-command';
import { isMeshObject, parseManifests, parseResource } from '../../../lib';
import { importObjects, typescriptChart } from '../../../lib/migrate';
import { normalizedMesh } from '../../support/normalized-mesh';

const repo = path.resolve(__dirname, '../../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-import-ts-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

// Two services that call each other (one is named with ServiceRef.fromName) and a match only an ApiObject can say.
const CYCLE = `
apiVersion: v1
kind: Service
metadata: { name: a, namespace: shop, annotations: { meshform.dev/calls: b } }
spec: { selector: { app: a }, ports: [{ name: http, port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: b, namespace: shop, annotations: { meshform.dev/calls: a } }
spec: { selector: { app: b }, ports: [{ name: http, port: 80 }] }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: a, namespace: shop }
spec:
  hosts: [a]
  http: [{ match: [{ withoutHeaders: { x-test: { exact: "1" } } }], route: [{ destination: { host: a } }] }]
`;

function inputsOf(fixture: string) {
  return fixture === 'cycle' ? parseManifests(CYCLE, 'cycle.yaml') : readInputs([path.join(repo, 'test/fixtures/migrate', fixture)]);
}

describe('meshform import --format ts', () => {
  it.each(['bookinfo', 'shop', 'linkerd', 'flagger', 'gateway-api', 'cycle'])('writes a %s chart that compiles under tsc --strict and synthesizes to the imported resources', (fixture) => {
    const imported = importObjects(inputsOf(fixture));
    const dir = path.join(work, fixture);
    fs.mkdirSync(dir);
    const chart = typescriptChart(imported.resources);
    if (fixture === 'cycle') expect(chart).toMatch(/ServiceRef\.fromName\('[ab]'\)[\s\S]*new ApiObject/);
    fs.writeFileSync(path.join(dir, 'mesh.ts'), chart);
    // The chart imports 'meshform' as a user's project would; here that name is this repository's constructs.
    fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module: 'node16', moduleResolution: 'node16', target: 'ES2022', esModuleInterop: true, skipLibCheck: true, resolveJsonModule: true, types: ['node'], paths: { meshform: [path.join(repo, 'constructs/index.ts')] } },
        files: ['mesh.ts'],
      }),
    );
    run(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', path.join(dir, 'tsconfig.json')]);
    run(process.execPath, [path.join(repo, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', path.join(dir, 'tsconfig.json'), path.join(dir, 'mesh.ts')]);
    const synthesized = fs
      .readdirSync(path.join(work, 'dist'))
      .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(work, 'dist', f), 'utf8')).map((d) => d.toJS() as Record<string, unknown>))
      .filter(isMeshObject);
    fs.rmSync(path.join(work, 'dist'), { recursive: true });
    expect(normalizedMesh(synthesized.map((o) => parseResource(o)))).toEqual(normalizedMesh(imported.resources.map((r) => parseResource(r))));
  }, 300_000);
});
