import type { Draft, KnownService } from './import-context';
import type { MigrationNote } from './report';

const includes = (outer: Record<string, string>, inner: Record<string, string>) => Object.entries(inner).every(([k, v]) => outer[k] === v);
/** Another Service of the same namespace. */
const sibling = (a: KnownService, b: KnownService) => a.namespace === b.namespace && a !== b;
const meshServiceOf = (drafts: readonly Draft[], s: KnownService) =>
  drafts.find((d) => d.kind === 'MeshService' && d.metadata.name === s.name && (d.metadata.namespace ?? 'default') === s.namespace);

/** Every string anywhere in a value: a service's name among them may be a reference to it. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

/** The backends of `root`'s routes that name `member`: the only references folding may rewrite. */
function memberBackends(drafts: readonly Draft[], root: KnownService, member: KnownService): Record<string, unknown>[] {
  const routes = drafts.filter((d) => d.kind === 'TrafficRoute' && (d.metadata.namespace ?? 'default') === root.namespace);
  const ofRoot = routes.filter((d) => {
    const svc = d.spec.service as { name?: string; namespace?: string };
    return svc.name === root.name && (svc.namespace ?? root.namespace) === root.namespace;
  });
  const rules = ofRoot.flatMap((d) => (d.spec.rules ?? []) as { backends?: Record<string, unknown>[]; mirror?: { backend?: Record<string, unknown> } }[]);
  return [...rules.flatMap((r) => r.backends ?? []), ...rules.flatMap((r) => (r.mirror?.backend ? [r.mirror.backend] : []))].filter(
    (b) => b.name === member.name && ((b.namespace as string | undefined) ?? root.namespace) === root.namespace,
  );
}

/** What a MeshService is apart from its selector and versions: a member must equal its root in this to become a version. */
const shape = (d: Draft) => JSON.stringify({ ...d.spec, selector: undefined, versions: undefined });

/**
 * Why `member` cannot become a version of `root`, or undefined when it can: its selector adds labels
 * to the root's, no third Service selects either's pods, it has the root's ports, identity and calls,
 * and nothing but the root's route backends names it.
 */
function cannotFold(root: KnownService, member: KnownService, known: readonly KnownService[], drafts: readonly Draft[], version: string): string | undefined {
  const rootDraft = meshServiceOf(drafts, root);
  const memberDraft = meshServiceOf(drafts, member);
  if (Object.keys(member.selector).length === Object.keys(root.selector).length) return `${member.name} selects the same pods`;
  if (known.some((s) => sibling(s, member) && s !== root && includes(member.selector, s.selector) && Object.keys(s.selector).length > 0)) return `another Service selects ${member.name}'s pods too`;
  if (known.some((s) => sibling(s, root) && Object.keys(s.selector).length > 0 && includes(root.selector, s.selector))) return `${root.name}'s pods are selected by another Service too`;
  if (!rootDraft || !memberDraft) return 'one of them is not an imported MeshService';
  if (shape(rootDraft) !== shape(memberDraft) || memberDraft.spec.versions) return `${member.name} differs from ${root.name} in ports, identity, calls or versions`;
  if (((rootDraft.spec.versions ?? []) as { name: string }[]).some((v) => v.name === version)) return `${root.name} already has a version ${version}`;
  const named = drafts.filter((d) => d !== memberDraft).flatMap((d) => strings(d.spec)).filter((s) => s === member.name).length;
  if (named !== memberBackends(drafts, root, member).length) return `${member.name} is named outside ${root.name}'s route backends`;
  return undefined;
}

/**
 * A Kubernetes Service whose selector also picks another Service's pods (SMI's and GAMMA's root
 * service `books` beside `books-v2`) would be a MeshService of its own identity whose endpoints
 * present the other's: every call reaching them fails the identity check. Where it is safe, the
 * other Services become versions of the root (what SMI means by them) and the routes' backends
 * those versions; otherwise the overlap is reported with what to do.
 */
export function foldRootServices(known: readonly KnownService[], drafts: readonly Draft[], notes: MigrationNote[]): Draft[] {
  const folded = new Set<Draft>();
  for (const root of known.filter((s) => Object.keys(s.selector).length > 0)) {
    for (const member of known.filter((s) => sibling(s, root) && includes(s.selector, root.selector))) {
      const version = member.name.startsWith(`${root.name}-`) ? member.name.slice(root.name.length + 1) : member.name;
      const labels = Object.fromEntries(Object.entries(member.selector).filter(([k]) => !(k in root.selector)));
      const where = { severity: 'differs' as const, file: root.file, object: `Service ${root.namespace}/${root.name}`, field: 'spec.selector' };
      const why = cannotFold(root, member, known, drafts, version);
      if (why) {
        notes.push({
          ...where,
          why: `selects the pods of Service ${member.name} too, but each MeshService has its own identity: calls to ${root.name} that reach those pods fail with 503 (upstream identity mismatch). Not folded (${why}): make ${member.name} a version of ${root.name} and route to the version, or narrow ${root.name}'s selector`,
        });
        continue;
      }
      const rootDraft = meshServiceOf(drafts, root)!;
      rootDraft.spec.versions = [...((rootDraft.spec.versions ?? []) as unknown[]), { name: version, labels }];
      for (const backend of memberBackends(drafts, root, member)) {
        const { name: _name, namespace: _namespace, ...rest } = backend;
        for (const k of Object.keys(backend)) delete backend[k];
        Object.assign(backend, { version, ...rest });
      }
      folded.add(meshServiceOf(drafts, member)!);
      notes.push({
        ...where,
        why: `selects the pods of Service ${member.name} too; as two MeshServices, each with its own identity, calls to ${root.name} reaching those pods would fail with 503 (upstream identity mismatch). So ${member.name} is imported as version ${version} (${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')}) of MeshService ${root.name}, as SMI and GAMMA mean it, and the route backends naming it as that version`,
      });
    }
  }
  return drafts.filter((d) => !folded.has(d));
}
