import { z } from 'zod';

/** An OpenAPI v3 schema as Kubernetes stores it in a CRD. */
export interface JsonSchema {
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  required?: string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  [key: string]: unknown;
}

// Keys Kubernetes forbids inside anyOf/allOf/oneOf/not of a structural schema.
const NOT_IN_JUNCTORS = ['type', 'description', 'nullable', 'additionalProperties'] as const;
// Keys JSON Schema has but Kubernetes' OpenAPI v3 subset does not. `default` is dropped on purpose:
// defaults are applied by Meshform's own validation (controller, webhook), so the stored object
// stays what GitOps wrote; server-side defaulting inside an atomic list makes a second field
// manager's identical apply conflict with the first.
const UNSUPPORTED = ['$schema', 'propertyNames', 'const', 'id', '$id', 'default'] as const;

/**
 * Turns a zod schema into a structural OpenAPI v3 schema that the Kubernetes API server accepts:
 * every node has a type, junctors carry only value constraints, closed objects rely on pruning
 * instead of `additionalProperties: false`.
 */
export function structuralSchema(schema: z.ZodType): JsonSchema {
  const raw = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return normalize(raw);
}

function normalize(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (value === undefined || (UNSUPPORTED as readonly string[]).includes(key)) continue;
    if (key.startsWith('x-meshform-')) continue;
    out[key] = value;
  }
  if (node.const !== undefined) out.enum = [node.const];
  if (out.properties) {
    out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, normalize(v)]));
    if (out.additionalProperties === false) delete out.additionalProperties;
    if (out.required?.length === 0) delete out.required;
  }
  if (typeof out.additionalProperties === 'object') out.additionalProperties = normalize(out.additionalProperties);
  if (out.items) out.items = normalize(out.items);
  if (out.anyOf) return hoistJunctor(out);
  if (out.type === undefined && out.properties === undefined && out.items === undefined && out.enum === undefined) {
    // z.unknown(): keep whatever is stored.
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  return out;
}

/**
 * Kubernetes wants the type outside `anyOf`. Unions here are of one JSON type (a word or a status
 * code; one literal or another), so the type moves up and literal-only branches fold into an enum.
 */
function hoistJunctor(node: JsonSchema): JsonSchema {
  const branches = node.anyOf!.map(normalize);
  const types = new Set(branches.map((b) => (b.type === 'integer' ? 'number' : b.type)));
  if (types.size !== 1) {
    throw new Error(`a union of ${[...types].join(' and ')} cannot be expressed in a structural schema; use one JSON type per field`);
  }
  // Literal numbers come out as "number"; a union of whole numbers is an integer field.
  const wholeNumbers = branches.every((b) => b.type === 'integer' || (b.enum ?? []).every((v) => Number.isInteger(v)));
  const type = types.has('number') ? (wholeNumbers ? 'integer' : 'number') : branches[0]!.type!;
  const { anyOf: _ignored, ...rest } = node;
  if (branches.every((b) => b.enum !== undefined && Object.keys(b).every((k) => k === 'enum' || k === 'type'))) {
    return { ...rest, type, enum: branches.flatMap((b) => b.enum!) };
  }
  const stripped = branches.map((b) => {
    const copy: JsonSchema = { ...b };
    for (const key of NOT_IN_JUNCTORS) delete copy[key];
    return copy;
  });
  return { ...rest, type, anyOf: stripped };
}
