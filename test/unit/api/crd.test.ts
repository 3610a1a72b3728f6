import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { KIND_NAMES, KINDS } from '../../../lib/api';
import { validateResource } from '../../../lib/validation';
import { customResourceDefinition, type JsonSchema } from '../../../lib/crd';
import { fullResources, resourceVariants } from '../../fixtures/full-resources';

const FORBIDDEN_ANYWHERE = ['$schema', '$ref', '$defs', 'const', 'propertyNames', 'oneOf', 'allOf', 'not'];
const FORBIDDEN_IN_JUNCTORS = ['type', 'description', 'default', 'additionalProperties', 'nullable'];

/** The rules of a structural schema (Kubernetes' apiextensions), as problems with their path. */
function structuralProblems(node: JsonSchema, path = 'openAPIV3Schema'): string[] {
  const problems: string[] = [];
  for (const key of FORBIDDEN_ANYWHERE) if (key in node) problems.push(`${path}: has ${key}`);
  const preserves = node['x-kubernetes-preserve-unknown-fields'] === true || node['x-kubernetes-int-or-string'] === true;
  if (node.type === undefined && !preserves) problems.push(`${path}: has no type`);
  if (node.properties && node.additionalProperties !== undefined) problems.push(`${path}: has properties and additionalProperties`);
  if (node.type === 'integer' && node.enum === undefined && (typeof node.minimum !== 'number' || typeof node.maximum !== 'number')) problems.push(`${path}: integer without both bounds or an enum`);
  for (const [k, v] of Object.entries(node.properties ?? {})) problems.push(...structuralProblems(v, `${path}.${k}`));
  if (typeof node.additionalProperties === 'object') problems.push(...structuralProblems(node.additionalProperties, `${path}{}`));
  if (node.items) problems.push(...structuralProblems(node.items, `${path}[]`));
  for (const branch of node.anyOf ?? []) {
    for (const key of FORBIDDEN_IN_JUNCTORS) if (key in branch) problems.push(`${path}.anyOf: branch has ${key}`);
  }
  return problems;
}

const schemaOf = (crd: Record<string, any>): JsonSchema => crd.spec.versions[0].schema.openAPIV3Schema;

describe.each(KIND_NAMES)('the %s CRD', (kind) => {
  const crd = customResourceDefinition(kind) as Record<string, any>;

  it('is a structural schema Kubernetes accepts', () => {
    expect(structuralProblems(schemaOf(crd))).toEqual([]);
  });

  it('serves v1alpha1 with a status subresource and printer columns', () => {
    const version = crd.spec.versions[0];
    expect(crd.metadata.name).toBe(`${KINDS[kind].plural}.meshform.dev`);
    expect(version).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
    expect(version.additionalPrinterColumns.map((c: { name: string }) => c.name)).toContain('Accepted');
  });

  it('accepts the full resource and rejects what zod rejects', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addFormat('duration', /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/);
    const validate = ajv.compile(schemaOf(crd));
    for (const fixture of [fullResources()[kind], ...(resourceVariants()[kind] ?? [])]) {
      expect(validate(fixture), JSON.stringify(validate.errors)).toBe(true);
    }
    const wrongType = structuredClone(fullResources()[kind]) as { spec: Record<string, unknown> };
    const firstField = Object.keys(wrongType.spec)[0]!;
    wrongType.spec[firstField] = 12345;
    expect(validate(wrongType)).toBe(false);
    expect(validateResource(wrongType).ok).toBe(false);
  });

  it('matches the reviewed snapshot', () => {
    expect(crd).toMatchSnapshot();
  });
});
