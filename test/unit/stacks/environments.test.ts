import Ajv from 'ajv';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { analyzeDir } from '../../../cli/analyze-command';
import { ENVIRONMENTS, buildPlatform, orderedObjects, parseEnvironment, writeGitOpsFolder } from '../../../stacks';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-stacks-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: any };

const synthTo = (env: (typeof ENVIRONMENTS)[number], dir: string) => writeGitOpsFolder(buildPlatform(env), dir);
const readFolder = (dir: string) => Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));

describe.each(ENVIRONMENTS)('the $name environment', (env) => {
  const objects = orderedObjects(buildPlatform(env)) as Obj[];
  const meshObjects = objects.filter((o) => o.apiVersion.startsWith('meshform.dev/'));

  it('matches the reviewed snapshot', () => {
    // CRDs and dashboards have their own snapshots (test/unit/api, test/unit/control-plane); here the environment's own objects.
    expect(objects.filter((o) => o.kind !== 'CustomResourceDefinition' && o.metadata.name !== 'meshform-grafana-dashboards')).toMatchSnapshot();
  });

  it('synthesizes byte-identical files twice', () => {
    const a = path.join(tmp, `${env.name}-a`);
    const b = path.join(tmp, `${env.name}-b`);
    synthTo(env, a);
    synthTo(env, b);
    expect(readFolder(a)).toEqual(readFolder(b));
  });

  it('has a CRD for every mesh kind it uses, and every mesh resource validates against its CRD schema', () => {
    const crds = new Map(objects.filter((o) => o.kind === 'CustomResourceDefinition').map((c) => [c.spec.names.kind as string, c]));
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addFormat('duration', /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/);
    expect(meshObjects.length).toBeGreaterThan(10);
    for (const o of meshObjects) {
      const crd = crds.get(o.kind);
      expect(crd, `no CRD for ${o.kind}`).toBeDefined();
      const validate = ajv.compile(crd!.spec.versions[0].schema.openAPIV3Schema);
      expect(validate(o), `${o.kind} ${o.metadata.name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('lists files in kustomization.yaml so that no custom resource precedes its CRD and nothing precedes its namespace', () => {
    const dir = path.join(tmp, `${env.name}-order`);
    synthTo(env, dir);
    const files: string[] = parse(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')).resources;
    expect(files.sort()).toEqual([...files].sort());
    const seenKinds = new Set<string>();
    const seenNamespaces = new Set<string>();
    const order = parse(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')).resources as string[];
    for (const file of order) {
      const o = parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Obj;
      if (o.kind === 'CustomResourceDefinition') seenKinds.add(o.spec.names.kind);
      if (o.kind === 'Namespace') seenNamespaces.add(o.metadata.name);
      if (o.apiVersion.startsWith('meshform.dev/')) expect(seenKinds.has(o.kind), `${file} before the CRD of ${o.kind}`).toBe(true);
      if (o.metadata.namespace && objects.some((x) => x.kind === 'Namespace' && x.metadata.name === o.metadata.namespace)) {
        expect(seenNamespaces.has(o.metadata.namespace), `${file} before namespace ${o.metadata.namespace}`).toBe(true);
      }
    }
  });

  it('re-synthesizes in place: unchanged files untouched, stale files removed', () => {
    const dir = path.join(tmp, `${env.name}-in-place`);
    synthTo(env, dir);
    const file = path.join(dir, 'kustomization.yaml');
    const past = new Date('2020-01-01T00:00:00Z');
    fs.writeFileSync(path.join(dir, '99-old-resource.yaml'), 'kind: Gone\n');
    fs.utimesSync(file, past, past);
    synthTo(env, dir);
    expect(fs.statSync(file).mtime).toEqual(past);
    expect(fs.existsSync(path.join(dir, '99-old-resource.yaml'))).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('passes meshform analyze, gateways and their routes included', () => {
    const dir = path.join(tmp, `${env.name}-analyze`);
    const files = synthTo(env, dir);
    expect(files.filter((f) => /-(meshgateway|gatewayroute)-bookinfo-/.test(f))).toHaveLength(4);
    expect(analyzeDir(dir)).toEqual([]);
  });
});

describe('environment differences', () => {
  const meshOf = (name: string) => orderedObjects(buildPlatform(ENVIRONMENTS.find((e) => e.name === name)!)) as Obj[];
  const mtlsModes = (objects: Obj[]) => objects.filter((o) => o.kind === 'MtlsPolicy' || o.kind === 'Mesh').map((o) => o.spec.mode ?? o.spec.mtls?.mode);
  const sampling = (objects: Obj[]) => objects.filter((o) => o.kind === 'Telemetry').map((o) => o.spec.tracing?.samplingPercent).filter((x) => x !== undefined);

  it('dev is PERMISSIVE with 100% tracing; prod is STRICT with 1%', () => {
    expect(mtlsModes(meshOf('dev'))).toContain('PERMISSIVE');
    expect(mtlsModes(meshOf('dev'))).not.toContain('STRICT');
    expect(mtlsModes(meshOf('prod'))).toContain('STRICT');
    expect(mtlsModes(meshOf('prod'))).not.toContain('PERMISSIVE');
    expect(sampling(meshOf('dev'))).toEqual([100]);
    expect(sampling(meshOf('prod'))).toEqual([1]);
  });

  it('dev runs one ingress gateway replica; prod three with a PodDisruptionBudget', () => {
    const gateway = (objects: Obj[]) => objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'bookinfo-gateway')!;
    const budgets = (objects: Obj[]) => objects.filter((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'bookinfo-gateway');
    expect(gateway(meshOf('dev')).spec.replicas).toBe(1);
    expect(budgets(meshOf('dev'))).toEqual([]);
    expect(gateway(meshOf('prod')).spec.replicas).toBe(3);
    expect(budgets(meshOf('prod'))).toHaveLength(1);
  });

  it('dev runs one small controller; prod three with a PodDisruptionBudget, limits and a longer Prometheus retention', () => {
    const controller = (objects: Obj[]) => objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'meshform-controller')!;
    const pdbs = (objects: Obj[]) => objects.filter((o) => o.kind === 'PodDisruptionBudget');
    const prometheusArgs = (objects: Obj[]) => JSON.stringify(objects.find((o) => o.kind === 'Deployment' && o.metadata.name.includes('prometheus'))!.spec.template.spec.containers[0].args);
    const dev = meshOf('dev');
    const prod = meshOf('prod');
    expect(controller(dev).spec.replicas).toBe(1);
    expect(pdbs(dev)).toEqual([]);
    expect(controller(dev).spec.template.spec.containers[0].resources.limits).toEqual({ memory: '256Mi' });
    expect(controller(prod).spec.replicas).toBe(3);
    expect(pdbs(prod).map((p) => p.metadata.name)).toContain('meshform-controller');
    expect(controller(prod).spec.template.spec.containers[0].resources.limits).toEqual({ cpu: '2', memory: '1Gi' });
    expect(prometheusArgs(dev)).toContain('retention.time=2d');
    expect(prometheusArgs(prod)).toContain('retention.time=30d');
  });

  it('rejects a bad override naming the environment, the field and the reason', () => {
    const prod = ENVIRONMENTS.find((e) => e.name === 'prod')!;
    expect(() => parseEnvironment({ ...prod, name: 'qa', mtlsMode: 'STRICTEST' })).toThrow(/environment "qa": mtlsMode .*STRICT/);
    expect(() => parseEnvironment({ ...prod, name: 'qa', tracingSamplingPercent: 101 })).toThrow(/environment "qa": tracingSamplingPercent .*100/);
    expect(() => parseEnvironment({ ...prod, name: 'qa', controllerReplicas: 10 })).toThrow(/environment "qa": controllerReplicas .*9/);
    expect(() => parseEnvironment({ ...prod, name: 'qa', prometheusRetention: '30 days' })).toThrow(/environment "qa": prometheusRetention must be a Prometheus retention/);
  });
});
