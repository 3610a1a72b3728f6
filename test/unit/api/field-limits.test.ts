import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatDuration, KIND_NAMES, KINDS, parseDuration, type KindName } from '../../../lib/api';
import { fieldPath, formatFinding, validateResource } from '../../../lib/validation';
import { fullResources, resourceVariants } from '../../fixtures/full-resources';

type Schema = Record<string, any>;
interface LimitCase {
  readonly path: (string | number)[];
  /** The path with `[]` for any item and `{}` for any map key, as boundedPaths writes it. */
  readonly generic: string;
  readonly side: 'min' | 'max';
  readonly outside: unknown;
  readonly boundary: unknown;
}

/** Every bounded field the fixture reaches, with a value just outside and one at each bound. */
function limitCases(schema: Schema, value: unknown, path: (string | number)[] = [], generic = ''): LimitCase[] {
  if (value === undefined || schema.anyOf) return [];
  const cases: LimitCase[] = [];
  const add = (side: 'min' | 'max', outside: unknown, boundary: unknown) => cases.push({ path, generic, side, outside, boundary });
  const durationMin = schema['x-meshform-duration-min'] as string | undefined;
  const durationMax = schema['x-meshform-duration-max'] as string | undefined;
  if (durationMin !== undefined) add('min', formatDuration(parseDuration(durationMin) - 1), durationMin);
  if (durationMax !== undefined) add('max', formatDuration(parseDuration(durationMax) + 1), durationMax);
  if (schema.type === 'integer' || schema.type === 'number') {
    if (schema.minimum !== undefined) add('min', schema.minimum - 1, schema.minimum);
    if (schema.maximum !== undefined) add('max', schema.maximum + 1, schema.maximum);
  }
  if (schema.type === 'string' && durationMin === undefined && durationMax === undefined) {
    if (schema.minLength > 0) add('min', 'a'.repeat(schema.minLength - 1), 'a'.repeat(schema.minLength));
    if (schema.maxLength !== undefined) add('max', 'a'.repeat(schema.maxLength + 1), 'a'.repeat(schema.maxLength));
  }
  if (schema.type === 'array' && Array.isArray(value)) {
    const first = value[0];
    if (schema.minItems > 0) add('min', value.slice(0, schema.minItems - 1), Array(schema.minItems).fill(first));
    if (schema.maxItems !== undefined && first !== undefined) add('max', Array(schema.maxItems + 1).fill(first), Array(schema.maxItems).fill(first));
    value.forEach((item, i) => cases.push(...limitCases(schema.items ?? {}, item, [...path, i], `${generic}[]`)));
  }
  if (schema.type === 'object' && value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (schema.properties?.[key]) cases.push(...limitCases(schema.properties[key], v, [...path, key], generic ? `${generic}.${key}` : key));
      else if (typeof schema.additionalProperties === 'object') cases.push(...limitCases(schema.additionalProperties, v, [...path, key], `${generic}{}`));
    }
  }
  return cases;
}

/** Bounded fields of a schema, whatever a fixture holds: `[]` stands for any item, `{}` for any key. */
function boundedPaths(schema: Schema, path = ''): string[] {
  if (schema.anyOf) return [];
  const bounded =
    schema['x-meshform-duration-min'] !== undefined ||
    schema['x-meshform-duration-max'] !== undefined ||
    schema.minimum !== undefined ||
    schema.maximum !== undefined ||
    schema.maxLength !== undefined ||
    schema.maxItems !== undefined ||
    schema.minItems > 0 ||
    schema.minLength > 0;
  const here = bounded ? [path] : [];
  if (schema.type === 'array') return [...here, ...boundedPaths(schema.items ?? {}, `${path}[]`)];
  const props = Object.entries(schema.properties ?? {}).flatMap(([k, v]) => boundedPaths(v as Schema, path ? `${path}.${k}` : k));
  const values = typeof schema.additionalProperties === 'object' ? boundedPaths(schema.additionalProperties, `${path}{}`) : [];
  return [...here, ...props, ...values];
}

function withValue(resource: Record<string, unknown>, path: (string | number)[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(resource);
  let cur: any = copy.spec;
  for (const p of path.slice(0, -1)) cur = cur[p];
  cur[path[path.length - 1]!] = value;
  return copy;
}

const rawSchema = (kind: KindName) => z.toJSONSchema(KINDS[kind].spec, { io: 'input', target: 'openapi-3.0', unrepresentable: 'any' }) as Schema;

describe.each(KIND_NAMES)('%s field limits', (kind) => {
  const resource = fullResources()[kind];
  const fixtures = [resource, ...(resourceVariants()[kind] ?? [])];
  const cases = fixtures.flatMap((fixture) => limitCases(rawSchema(kind), fixture.spec).map((c) => ({ ...c, fixture })));

  it.each(fixtures.map((f, i) => [i, f] as const))('fixture %i is valid', (_i, fixture) => {
    const result = validateResource(fixture);
    expect(result.ok ? [] : result.findings.map(formatFinding)).toEqual([]);
  });

  it('the fixtures reach every bounded field of the schema', () => {
    const reached = new Set(cases.map((c) => c.generic));
    const missing = boundedPaths(rawSchema(kind)).filter((p) => !reached.has(p));
    expect(missing).toEqual([]);
  });

  it.each(cases.map((c) => [`spec.${fieldPath(c.path)} at ${c.side === 'min' ? 'min-1' : 'max+1'}`, c] as const))('rejects %s, naming the field, the limit and a fix', (_name, c) => {
    const result = validateResource(withValue(c.fixture, c.path, c.outside));
    expect(result.ok).toBe(false);
    const field = `spec.${fieldPath(c.path)}`;
    const finding = result.ok ? undefined : result.findings.find((f) => f.field === field && f.code === 'OUT_OF_RANGE');
    expect(finding, `no OUT_OF_RANGE finding for ${field}`).toBeDefined();
    expect(finding!.limit).toMatch(c.side === 'min' ? /^>=? / : /^<=? /);
    const meta = resource.metadata as { name: string; namespace?: string };
    expect(formatFinding(finding!)).toContain(`${kind} ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name}: ${field} `);
    expect(finding!.fix.length).toBeGreaterThan(0);
  });

  it.each(cases.map((c) => [`spec.${fieldPath(c.path)} at its ${c.side}`, c] as const))('accepts %s', (_name, c) => {
    const result = validateResource(withValue(c.fixture, c.path, c.boundary));
    const field = `spec.${fieldPath(c.path)}`;
    const outOfRange = result.ok ? [] : result.findings.filter((f) => f.field === field && f.code === 'OUT_OF_RANGE');
    expect(outOfRange.map(formatFinding)).toEqual([]);
  });
});
