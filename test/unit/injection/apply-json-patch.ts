/**
 * A minimal RFC 6902 applier (`add` only, the one operation injection uses), written from the RFC
 * rather than shared with lib/injection so that tests check the patch against an independent reading.
 */
export function applyJsonPatch<T>(document: T, ops: readonly { op: string; path: string; value: unknown }[]): T {
  const result = structuredClone(document) as unknown;
  for (const { op, path, value } of ops) {
    if (op !== 'add') throw new Error(`unsupported op ${op}`);
    const tokens = path.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = tokens.pop()!;
    let parent = result as Record<string, unknown> | unknown[];
    for (const token of tokens) {
      const next = Array.isArray(parent) ? parent[Number(token)] : parent[token];
      if (next === undefined || next === null || typeof next !== 'object') throw new Error(`${path}: ${token} does not exist`);
      parent = next as Record<string, unknown> | unknown[];
    }
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (!(index >= 0 && index <= parent.length)) throw new Error(`${path}: index out of range`);
      parent.splice(index, 0, structuredClone(value));
    } else {
      parent[last] = structuredClone(value);
    }
  }
  return result as T;
}
