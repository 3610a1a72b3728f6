import { ApiObject } from 'cdk8s';

/** An ApiObject of a cluster-scoped kind: cdk8s would otherwise give it the chart's namespace. */
export class ClusterApiObject extends ApiObject {
  override toJson(): any {
    const json = super.toJson();
    delete json.metadata.namespace;
    return json;
  }
}
