import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { analyzeDir } from '../../../cli/analyze-command';
import { fullResources } from '../../fixtures/full-resources';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-analyze-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (file: string, docs: unknown[]) => {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), docs.map((d) => stringify(d)).join('---\n'));
};

describe('meshform analyze', () => {
  it('finds nothing in a consistent mesh spread over files, ignoring non-mesh objects', () => {
    const all = Object.values(fullResources());
    write('a.yaml', [...all.slice(0, 5), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } }]);
    write('nested/b.yml', all.slice(5));
    expect(analyzeDir(dir)).toEqual([]);
  });

  it('reports schema and cross-resource problems with the file, document and resource', () => {
    const r = fullResources();
    const route = structuredClone(r.TrafficRoute) as any;
    route.spec.rules[0].backends[1].version = 'v9';
    const policy = structuredClone(r.TrafficPolicy) as any;
    policy.spec.outlierDetection.maxEjectionPercent = 101;
    write('mesh.yaml', [r.Mesh, r.MeshService, r.ExternalService, route, policy]);
    const findings = analyzeDir(dir);
    expect(findings.map((f) => [f.code, f.field])).toEqual([
      ['OUT_OF_RANGE', 'spec.outlierDetection.maxEjectionPercent'],
      ['UNKNOWN_VERSION', 'spec.rules[0].backends[1].version'],
    ]);
    expect(findings[0]!.where).toMatch(/mesh\.yaml#4 TrafficPolicy shop\/reviews$/);
    expect(findings[1]!.where).toMatch(/mesh\.yaml#3 TrafficRoute shop\/reviews$/);
  });

  it('names the file and line of broken YAML', () => {
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'kind: Mesh\nspec: [unclosed\n');
    expect(() => analyzeDir(dir)).toThrow(/bad\.yaml:\d+:/);
  });
});
