import { ApiObject, type Chart } from 'cdk8s';

/** Adds a Gateway API object (gateway.networking.k8s.io/v1) to the chart, so it is synthesized beside the mesh resources. */
export function gatewayApiObject(chart: Chart, kind: string, name: string, spec: Record<string, unknown>): ApiObject {
  return new ApiObject(chart, `${kind}-${name}`, { apiVersion: 'gateway.networking.k8s.io/v1', kind, metadata: { name }, spec });
}
