import { z } from 'zod';
import { API_GROUP, API_VERSION } from '../api/common';
import { condition, KINDS, type KindDefinition, type KindName } from '../api/kinds';
import { structuralSchema, type JsonSchema } from './structural-schema';

/** The apiextensions.k8s.io/v1 CustomResourceDefinition of one mesh resource kind. */
export function customResourceDefinition(kind: KindName): Record<string, unknown> {
  const def: KindDefinition = KINDS[kind];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.${API_GROUP}`, labels: { 'app.kubernetes.io/part-of': 'meshform' } },
    spec: {
      group: API_GROUP,
      scope: def.scope,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.kind.toLowerCase(),
        shortNames: [...def.shortNames],
        categories: ['meshform'],
      },
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.printerColumns.map((c) => ({ ...c })),
          schema: { openAPIV3Schema: openApiSchema(def) },
        },
      ],
    },
  };
}

/** The whole object's schema: spec from the kind's zod schema, status with conditions. */
export function openApiSchema(def: KindDefinition): JsonSchema {
  const statusSchema = (def.status ? (def.status as z.ZodObject).extend({ conditions: z.array(condition).optional() }) : z.strictObject({ conditions: z.array(condition).optional() })).partial();
  const conditions = structuralSchema(statusSchema);
  const conditionItems = (conditions.properties!.conditions as JsonSchema).items!;
  (conditions.properties!.conditions as JsonSchema)['x-kubernetes-list-type'] = 'map';
  (conditions.properties!.conditions as JsonSchema)['x-kubernetes-list-map-keys'] = ['type'];
  conditionItems.required = ['type', 'status', 'reason', 'message', 'lastTransitionTime'];
  return {
    type: 'object',
    description: `${def.kind} is a Meshform mesh resource (${API_GROUP}/${API_VERSION}).`,
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: structuralSchema(def.spec),
      status: conditions,
    },
    required: ['spec'],
  };
}
