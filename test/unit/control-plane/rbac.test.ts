import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { App, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { MeshControlPlane } from '../../../constructs';
import { API_GROUP, KIND_NAMES, KINDS } from '../../../lib/api';
import { bootstrapApiPermissions, CONTROLLER_API_PERMISSIONS, type ApiPermission } from '../../../lib/rbac';

const ROOT = path.resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every request method of every `*Api` client class @kubernetes/client-node exports. */
const API_METHODS = new Set(
  Object.entries(k8s)
    .filter(([name, value]) => /Api$/.test(name) && typeof value === 'function')
    .flatMap(([, value]) => Object.getOwnPropertyNames((value as { prototype: object }).prototype))
    .filter((m) => /^(list|read|create|replace|patch|delete|watch|connect)[A-Z]/.test(m)),
);

interface Call {
  readonly method: string;
  readonly file: string;
}

/** The client calls and informers in some files, found by scanning the code rather than listed by hand. */
function scan(files: readonly string[]): { calls: Call[]; informers: { group: string; resource: string; file: string }[] } {
  const calls: Call[] = [];
  const informers: { group: string; resource: string; file: string }[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const rel = path.relative(ROOT, file);
    for (const m of text.matchAll(/\.(\w+)\(/g)) if (API_METHODS.has(m[1]!)) calls.push({ method: m[1]!, file: rel });
    for (const m of text.matchAll(/makeInformer(?:<[^>]*>)?\(\s*\w+,\s*(['`])(.*?)\1/g)) {
      // A query (a field selector) narrows what is listed, not which resource.
      const url = m[2]!.split('?')[0]!;
      const parts = url.split('/').filter(Boolean);
      if (parts[0] === 'api') informers.push({ group: '', resource: parts[2]!, file: rel });
      else if (url.includes('${plural}')) for (const kind of KIND_NAMES) informers.push({ group: API_GROUP, resource: KINDS[kind].plural, file: rel });
      else informers.push({ group: parts[1]!, resource: parts[3]!, file: rel });
    }
  }
  return { calls, informers };
}

const controllerFiles = sources(path.join(ROOT, 'controller')).filter((f) => !f.includes(`${path.sep}webhooks${path.sep}`));
const bootstrapFiles = sources(path.join(ROOT, 'controller', 'webhooks'));
const BOOTSTRAP = bootstrapApiPermissions({ caSecret: 'meshform-ca', webhookSecret: 'meshform-webhook-tls', mutatingWebhook: 'm', validatingWebhook: 'v' });

function allows(permissions: readonly ApiPermission[], group: string, resource: string, verb: string): boolean {
  return permissions.some((p) => p.apiGroup === group && p.resources.includes(resource) && p.verbs.includes(verb) && !p.resourceNames);
}

describe('controller RBAC', () => {
  for (const [who, files, permissions] of [
    ['controller', controllerFiles, CONTROLLER_API_PERMISSIONS],
    ['bootstrap Job', bootstrapFiles, BOOTSTRAP],
  ] as const) {
    it(`covers every Kubernetes API call the ${who} code makes, and grants none it does not make`, () => {
      const { calls } = scan(files);
      expect(calls.length, 'the scan finds the client calls').toBeGreaterThan(0);
      const granted = new Set(permissions.map((p) => p.method));
      const uncovered = calls.filter((c) => !granted.has(c.method));
      expect(uncovered, 'calls without a permission in lib/rbac').toEqual([]);
      const made = new Set(calls.map((c) => c.method));
      expect(permissions.filter((p) => !made.has(p.method)).map((p) => p.method), 'permissions for calls no code makes').toEqual([]);
    });
  }

  it('lets every informer list and watch what it informs on', () => {
    const { informers } = scan(controllerFiles);
    expect(informers.length).toBeGreaterThan(0);
    for (const i of informers) {
      expect(allows(CONTROLLER_API_PERMISSIONS, i.group, i.resource, 'list'), `list ${i.group}/${i.resource} (${i.file})`).toBe(true);
      expect(allows(CONTROLLER_API_PERMISSIONS, i.group, i.resource, 'watch'), `watch ${i.group}/${i.resource} (${i.file})`).toBe(true);
    }
  });

  it('renders no wildcard in any Role or ClusterRole, and exactly the permissions of lib/rbac', () => {
    const chart = new Chart(new App(), 'cp');
    new MeshControlPlane(chart, 'ControlPlane', { crds: false });
    const roles = Testing.synth(chart).filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');
    expect(roles.map((r) => `${r.kind}/${r.metadata.name}`).sort()).toEqual(['ClusterRole/meshform-bootstrap', 'ClusterRole/meshform-controller', 'ClusterRole/meshform-debugger', 'Role/meshform-bootstrap', 'Role/meshform-controller', 'Role/meshform-debugger-port-forward']);
    for (const role of roles) {
      for (const rule of role.rules) {
        for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames'] as const) {
          expect(rule[field] ?? [], `${role.kind}/${role.metadata.name} ${field}`).not.toContain('*');
        }
      }
    }
    const controller = roles.find((r) => r.kind === 'ClusterRole' && r.metadata.name === 'meshform-controller')!;
    const podRule = controller.rules.find((r: { resources: string[] }) => r.resources.includes('pods'));
    expect(podRule).toEqual({ apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] });
    expect(controller.rules).toContainEqual({ apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] });
    expect(controller.rules).toContainEqual({ apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] });
    // The one permission /debug/* asks for, and nothing else: operators bind it.
    expect(roles.find((r) => r.metadata.name === 'meshform-debugger')!.rules).toEqual([{ apiGroups: ['meshform.dev'], resources: ['proxies'], verbs: ['debug'] }]);
    // Port-forwarding to the controller, granted in its namespace only.
    expect(roles.find((r) => r.metadata.name === 'meshform-debugger-port-forward')).toMatchObject({
      kind: 'Role',
      metadata: { namespace: 'meshform-system' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['pods/portforward'], verbs: ['create', 'get'] }],
    });
    const leases = roles.find((r) => r.kind === 'Role' && r.metadata.name === 'meshform-controller')!;
    expect(leases.rules).toContainEqual({ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: ['meshform-controller'] });
  });
});
