import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { fullResources } from '../../fixtures/full-resources';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-analyze-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const meshform = (...args: string[]) => spawnSync(process.execPath, [path.resolve('bin/meshform.cjs'), ...args], { encoding: 'utf8', timeout: 60_000 });

describe('the meshform analyze command', () => {
  it('exits 1 with one line per finding', () => {
    const r = fullResources();
    const route = structuredClone(r.TrafficRoute) as any;
    route.spec.rules[0].backends[0].weight = 100;
    fs.writeFileSync(path.join(dir, 'mesh.yaml'), [r.MeshService, r.ExternalService, route].map((d) => stringify(d)).join('---\n'));
    const run = meshform('analyze', dir);
    expect(run.status).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[WEIGHTS_SUM\] .*mesh\.yaml#2 TrafficRoute shop\/reviews: spec\.rules\[0\]\.backends weights add up to 110/);
  });

  it('exits 0 on a clean folder and 2 without one', () => {
    const clean = fs.mkdtempSync(path.join(dir, 'clean-'));
    fs.writeFileSync(path.join(clean, 'mesh.yaml'), Object.values(fullResources()).map((d) => stringify(d)).join('---\n'));
    expect(meshform('analyze', clean).status).toBe(0);
    expect(meshform('analyze').status).toBe(2);
  });
});
