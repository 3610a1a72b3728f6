import { packResource } from '../../lib/translate';
import { unpackAny, type XdsMessage } from '../../lib/xds';

const isDefault = (v: unknown): boolean =>
  v === 0 || v === '0' || v === false || v === '' || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.values(v).every(isDefault));

/**
 * Paths of fields the proto encoding silently dropped (misspelt names, wrong oneof members): what
 * went in but did not come back out, ignoring proto default values.
 */
export function droppedFields(original: unknown, decoded: unknown, path = ''): string[] {
  if (original === null || typeof original !== 'object') return [];
  if (Array.isArray(original)) {
    const back = Array.isArray(decoded) ? decoded : [];
    return original.flatMap((item, i) => droppedFields(item, back[i], `${path}[${i}]`));
  }
  const back = (decoded ?? {}) as Record<string, unknown>;
  return Object.entries(original as Record<string, unknown>).flatMap(([key, value]) => {
    const at = path ? `${path}.${key}` : key;
    if (!(key in back)) return isDefault(value) ? [] : [at];
    return droppedFields(value, back[key], at);
  });
}

/** Packs and unpacks a resource, as the proxy will see it. */
export function overTheWire(typeUrl: string, message: object): XdsMessage {
  return unpackAny(packResource(typeUrl, message));
}
