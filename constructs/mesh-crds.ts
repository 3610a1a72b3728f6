import { Construct } from 'constructs';
import { KIND_NAMES } from '../lib/api';
import { customResourceDefinition } from '../lib/crd';
import { ClusterApiObject } from './cluster-api-object';

/** The CustomResourceDefinitions of every mesh resource kind, generated from the same schemas the constructs validate with. */
export class MeshCrds extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    for (const kind of KIND_NAMES) {
      const crd = customResourceDefinition(kind) as { apiVersion: string; kind: string; metadata: { name: string } };
      new ClusterApiObject(this, kind, crd);
    }
  }
}
