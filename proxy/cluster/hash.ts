/**
 * A fast, well-mixed 32-bit string hash (FNV-1a followed by the murmur3 finalizer) for consistent
 * hashing. Not cryptographic: it only has to spread keys evenly and be stable across restarts.
 */
export function hash32(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combines the hashes of several hash policies, as Envoy does (rotate left by one, then xor). */
export function combineHashes(accumulated: number, next: number): number {
  return (((accumulated << 1) | (accumulated >>> 31)) ^ next) >>> 0;
}
