import { createHash } from 'node:crypto';
import type { Resolved } from '../model';

const digests = new WeakMap<object, string>();

/**
 * A digest of an object's content, computed once per object: translation inputs are immutable and
 * the controller's state keeps unchanged resources and workloads as the same objects from one
 * generation to the next, so fingerprinting a mesh hashes only what changed.
 */
export function digestOf(value: object): string {
  let digest = digests.get(value);
  if (digest === undefined) {
    digest = createHash('sha1').update(JSON.stringify(value)).digest('base64');
    digests.set(value, digest);
  }
  return digest;
}

/**
 * A resource's digest: its spec memoized (the model resolves metadata into a new object every
 * generation, but keeps the spec it was given) and what translation reads of its metadata.
 */
export function resourceDigest(resource: Resolved): string {
  return `${resource.kind}/${resource.metadata.namespace}/${resource.metadata.name}=${digestOf(resource.spec)}`;
}
