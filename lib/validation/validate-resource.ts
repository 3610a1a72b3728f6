import type { z } from 'zod';
import { isKindName, KIND_NAMES, KINDS, resourceSchema, type KindName, type MeshResource } from '../api/kinds';
import { API_GROUP_VERSION } from '../api/common';
import { resourceRef } from '../naming/names';
import { fieldPath, MeshformValidationError, type Finding } from './finding';

export type ValidationResult<K extends KindName = KindName> =
  | { readonly ok: true; readonly resource: MeshResource<K> }
  | { readonly ok: false; readonly findings: readonly Finding[] };

/**
 * Validates one object as a mesh resource with the kind's zod schema, applying defaults. Used by
 * the constructs at synth, by `meshform analyze`, by the controller on what it reads and by the
 * admission webhook: one schema, one set of messages.
 * @param where how to name the object in findings; @default `<Kind> <namespace>/<name>`
 */
export function validateResource(object: unknown, where?: string): ValidationResult {
  const obj = (object ?? {}) as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  const name = typeof obj.metadata?.name === 'string' ? obj.metadata.name : '<unnamed>';
  const namespace = typeof obj.metadata?.namespace === 'string' ? obj.metadata.namespace : undefined;
  const at = where ?? resourceRef(String(obj.kind ?? 'object'), name, namespace);
  if (!isKindName(obj.kind)) {
    return {
      ok: false,
      findings: [{ code: 'UNKNOWN_KIND', where: at, field: 'kind', message: `is ${JSON.stringify(obj.kind)}, not a mesh resource kind`, limit: KIND_NAMES.join(', '), fix: `use one of ${KIND_NAMES.join(', ')}` }],
    };
  }
  if (obj.apiVersion !== API_GROUP_VERSION) {
    return {
      ok: false,
      findings: [{ code: 'WRONG_API_VERSION', where: at, field: 'apiVersion', message: `is ${JSON.stringify(obj.apiVersion)}`, limit: API_GROUP_VERSION, fix: `set apiVersion: ${API_GROUP_VERSION}` }],
    };
  }
  const parsed = resourceSchema(obj.kind).safeParse(object);
  if (parsed.success) {
    const resource = parsed.data as unknown as MeshResource;
    if (KINDS[obj.kind].scope === 'Cluster' && resource.metadata.namespace !== undefined) {
      return { ok: false, findings: [{ code: 'CLUSTER_SCOPED', where: at, field: 'metadata.namespace', message: `is set but ${obj.kind} is cluster-scoped`, fix: 'remove metadata.namespace' }] };
    }
    return { ok: true, resource };
  }
  return { ok: false, findings: parsed.error.issues.map((issue) => findingFromIssue(issue, object, at)) };
}

/** Validates and returns the resource, or throws the findings. */
export function parseResource(object: unknown, where?: string): MeshResource {
  const result = validateResource(object, where);
  if (!result.ok) throw new MeshformValidationError(result.findings);
  return result.resource;
}

/** Turns one zod issue into a finding that names the field, its value, the limit and a fix. */
export function findingFromIssue(issue: z.core.$ZodIssue, input: unknown, where: string): Finding {
  const field = fieldPath(issue.path);
  const value = valueAt(input, issue.path);
  const shown = value === undefined ? 'missing' : JSON.stringify(value);
  switch (issue.code) {
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const atLeast = issue.code === 'too_small';
      const inclusive = issue.inclusive !== false;
      const what = issue.origin === 'array' ? 'entries' : issue.origin === 'string' ? 'characters' : '';
      const relation = atLeast ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
      const limit = `${atLeast ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<'} ${String(bound)}${what ? ` ${what}` : ''}`;
      const size = issue.origin === 'array' || issue.origin === 'string' ? `has ${(value as { length?: number } | undefined)?.length ?? 0} ${what}` : `is ${shown}`;
      return { code: 'OUT_OF_RANGE', where, field, message: `${size}; it must be ${relation} ${String(bound)}${what ? ` ${what}` : ''}`, limit, fix: `set ${field} to ${relation} ${String(bound)}${what ? ` ${what}` : ''}` };
    }
    case 'invalid_type':
      if (value === undefined) return { code: 'REQUIRED', where, field, message: 'is required', limit: `a ${issue.expected}`, fix: `set ${field}` };
      return { code: 'WRONG_TYPE', where, field, message: `is ${shown}; it must be a ${issue.expected}`, limit: `a ${issue.expected}`, fix: `write ${field} as a ${issue.expected}` };
    case 'invalid_value': {
      const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
      return { code: 'NOT_ALLOWED', where, field, message: `is ${shown}; it must be one of ${allowed}`, limit: allowed, fix: `use one of ${allowed}` };
    }
    case 'invalid_format':
      return { code: 'BAD_FORMAT', where, field, message: `is ${shown}; it ${issue.message.replace(/^Invalid string: /, '')}`, limit: issue.format, fix: `correct the format of ${field}` };
    case 'unrecognized_keys': {
      const keys = issue.keys.join(', ');
      return { code: 'UNKNOWN_FIELD', where, field: fieldPath([...issue.path, issue.keys[0]!]), message: `is not a field of ${fieldPath(issue.path) || 'the object'} (unknown: ${keys})`, fix: `remove ${keys} or check its spelling` };
    }
    case 'invalid_union':
      return { code: 'NOT_ALLOWED', where, field, message: `is ${shown}; ${issue.message}`, fix: `check the allowed values of ${field}` };
    case 'custom': {
      const params = (issue.params ?? {}) as { code?: string; limit?: string; fix?: string };
      return { code: params.code ?? 'INVALID', where, field, message: issue.message, ...(params.limit ? { limit: params.limit } : {}), fix: params.fix ?? fixFromMessage(issue.message, field) };
    }
    default:
      return { code: 'INVALID', where, field, message: issue.message, fix: `correct ${field}` };
  }
}

// Custom checks phrase their message as "… ; <what to do>"; the part after the semicolon is the fix.
function fixFromMessage(message: string, field: string): string {
  const i = message.lastIndexOf('; ');
  return i >= 0 ? message.slice(i + 2) : `correct ${field || 'the resource'}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part];
  }
  return cur;
}
