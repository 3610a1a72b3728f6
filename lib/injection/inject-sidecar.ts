import type { PodLike } from './pod';
import type { Sidecar } from './sidecar';

/** The pod with its sidecar: what static injection writes into a pod template. */
export function injectSidecar<P extends PodLike>(pod: P, sidecar: Sidecar): P {
  const { metadata = {}, spec } = pod;
  return {
    ...pod,
    metadata: { ...metadata, labels: { ...metadata.labels, ...sidecar.labels }, annotations: { ...metadata.annotations, ...sidecar.annotations } },
    spec: {
      ...spec,
      ...(sidecar.initContainers.length || spec.initContainers ? { initContainers: [...sidecar.initContainers, ...(spec.initContainers ?? [])] } : {}),
      containers: [...sidecar.containers, ...spec.containers.map((c) => ({ ...c, ...sidecar.probes[c.name] }))],
      volumes: [...(spec.volumes ?? []), ...sidecar.volumes],
    },
  };
}

/** One RFC 6902 operation; injection only ever adds (which, on an existing member, replaces it: the rewritten probes). */
export interface JsonPatchOperation {
  readonly op: 'add';
  readonly path: string;
  readonly value: unknown;
}

/** RFC 6901: `~` and `/` in a key (annotation names have slashes) are escaped. */
function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The JSON patch the mutating webhook answers with; applied to `pod` it gives exactly
 * `injectSidecar(pod, sidecar)`. Arrays and maps that exist are added to element by element, so
 * the patch composes with other mutating webhooks rather than overwriting what they added.
 */
export function sidecarPatch(pod: PodLike, sidecar: Sidecar): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [];
  const add = (path: string, value: unknown) => ops.push({ op: 'add', path, value });
  // Before anything is prepended, while the app containers still sit at their own indices.
  pod.spec.containers.forEach((c, i) => {
    for (const [field, probe] of Object.entries(sidecar.probes[c.name] ?? {})) add(`/spec/containers/${i}/${field}`, probe);
  });
  if (!pod.metadata) add('/metadata', {});
  for (const field of ['labels', 'annotations'] as const) {
    if (pod.metadata?.[field]) {
      for (const [key, value] of Object.entries(sidecar[field])) add(`/metadata/${field}/${pointerToken(key)}`, value);
    } else {
      add(`/metadata/${field}`, { ...sidecar[field] });
    }
  }
  const prepend = (field: 'initContainers' | 'containers', items: readonly unknown[], exists: boolean) => {
    if (items.length === 0) return;
    if (!exists) return add(`/spec/${field}`, [...items]);
    items.forEach((item, i) => add(`/spec/${field}/${i}`, item));
  };
  prepend('initContainers', sidecar.initContainers, pod.spec.initContainers !== undefined);
  prepend('containers', sidecar.containers, true);
  if (pod.spec.volumes) sidecar.volumes.forEach((v) => add('/spec/volumes/-', v));
  else add('/spec/volumes', [...sidecar.volumes]);
  return ops;
}
