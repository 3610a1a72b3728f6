import { ApiObject, Chart } from 'cdk8s';
import type { Construct, IConstruct } from 'constructs';
import { API_GROUP_VERSION, type MeshResource } from '../lib/api';
import { analyzeMesh, formatFinding, validateResource, type Finding, type ValidationResult } from '../lib/validation';

/** Where a finding about an ApiObject points: the construct that owns it as `Resource`, else the object itself. */
function ownerPath(object: ApiObject): string {
  const owner: IConstruct | undefined = object.node.id === 'Resource' ? object.node.scope : undefined;
  return (owner ?? object).node.path;
}

const lastValidation = new WeakMap<ApiObject, { readonly where: string; readonly rendered: string; readonly result: ValidationResult }>();

/**
 * Validates what `object` renders now, reusing the previous result while the rendering is the same:
 * a resource is checked when constructed (and after each change through its methods) and again at
 * synth, and the schema parse is the costly part. The rendering is compared as its
 * JSON text because escape hatches (`addJsonPatch`, props objects changed after construction) can
 * change it without the construct knowing.
 */
export function validateApiObject(object: ApiObject, where: string): ValidationResult {
  const json = object.toJson();
  const rendered = JSON.stringify(json);
  const last = lastValidation.get(object);
  if (last?.where === where && last.rendered === rendered) return last.result;
  const result = validateResource(json, where);
  lastValidation.set(object, { where, rendered, result });
  return result;
}

function meshObjects(scope: Construct): ApiObject[] {
  return scope.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c) && c.apiVersion === API_GROUP_VERSION);
}

/** Each mesh object under `scope` with the path findings name it by and its validation. */
function validatedObjects(scope: Construct): { object: ApiObject; where: string; result: ValidationResult }[] {
  return meshObjects(scope).map((object) => {
    const where = ownerPath(object);
    return { object, where, result: validateApiObject(object, where) };
  });
}

/** `analyzeMesh` over the objects that passed their own schema; the others' findings already say what is wrong. */
function analyzeValid(validated: readonly { where: string; result: ValidationResult }[]): Finding[] {
  const whereOf = new Map<MeshResource, string>();
  for (const { where, result } of validated) if (result.ok) whereOf.set(result.resource, where);
  return analyzeMesh([...whereOf.keys()], (r) => whereOf.get(r)!);
}

/** The schema findings of `checked`, then the cross-resource findings over all of `validated`. */
function schemaAndCrossFindings(validated: readonly { result: ValidationResult; where: string }[], checked = validated): Finding[] {
  return [...checked.flatMap(({ result }) => (result.ok ? [] : result.findings)), ...analyzeValid(validated)];
}

/**
 * The cross-resource findings (`analyzeMesh`) over every mesh resource under `scope`, each named by
 * the path of the construct that renders it. Resources that fail their own schema are left out:
 * their own findings already say what is wrong.
 */
export function crossResourceFindings(scope: Construct): Finding[] {
  return analyzeValid(validatedObjects(scope));
}

/**
 * Every finding about the mesh resources under `scope` (usually a chart): each resource against its
 * kind's schema, then the cross-resource checks. Empty when the mesh is valid.
 */
export function validateMesh(scope: Construct): Finding[] {
  return schemaAndCrossFindings(validatedObjects(scope));
}

/** The chart whose synth validation reports each mesh construct's schema findings. */
const schemaCheckedBy = new WeakMap<IConstruct, Chart>();
const chartsWithMeshValidation = new WeakSet<Chart>();

/**
 * Makes `cdk8s synth` check the mesh resources of the chart holding `construct`: each mesh
 * construct's resource against its schema, then the cross-resource checks, in one validation per
 * chart however many mesh constructs it holds. One validation renders each resource once for both
 * (rendering is most of the cost at scale); the findings still name each construct's path.
 */
export function registerMeshValidation(construct: Construct): void {
  const chart = Chart.of(construct);
  schemaCheckedBy.set(construct, chart);
  if (chartsWithMeshValidation.has(chart)) return;
  chartsWithMeshValidation.add(chart);
  chart.node.addValidation({
    validate: () => {
      const validated = validatedObjects(chart);
      const own = validated.filter(({ object }) => object.node.id === 'Resource' && schemaCheckedBy.get(object.node.scope!) === chart);
      const findings = schemaAndCrossFindings(validated, own);
      // Synth is usually the last check: the kept renderings and parsed resources would otherwise
      // stay in memory while the YAML is written (a later check just validates again).
      for (const { object } of validated) lastValidation.delete(object);
      return findings.map(formatFinding);
    },
  });
}
