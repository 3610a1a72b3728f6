import { API_GROUP, KIND_NAMES, KINDS } from '../api';
import { GATEWAY_API_GROUP, GATEWAY_API_KINDS } from '../gateway-api/objects';
import { CA_ROOT_CONFIGMAP } from '../injection';
import type { ApiPermission } from './api-permissions';

const MESH_PLURALS = KIND_NAMES.map((kind) => KINDS[kind].plural);
const GATEWAY_API_PLURALS = Object.values(GATEWAY_API_KINDS).map((k) => k.plural);
const GATEWAY_API_STATUS = GATEWAY_API_PLURALS.filter((p) => p !== 'referencegrants').map((p) => `${p}/status`);

/** The Lease replicas elect a leader with (controller/sources/lease-leader-election.ts). */
export const CONTROLLER_LEASE = 'meshform-controller';

/**
 * Every Kubernetes API call the controller makes, and nothing else: the single source of the
 * controller's RBAC (MeshControlPlane renders it) and of the test that scans `controller/` for
 * client calls and fails on one this list does not cover. Informers list once and then watch.
 */
export const CONTROLLER_API_PERMISSIONS: readonly ApiPermission[] = [
  { method: 'listClusterCustomObject', apiGroup: API_GROUP, resources: MESH_PLURALS, verbs: ['list', 'watch'], scope: 'Cluster' },
  { method: 'patchNamespacedCustomObjectStatus', apiGroup: API_GROUP, resources: MESH_PLURALS.map((p) => `${p}/status`), verbs: ['patch'], scope: 'Cluster' },
  { method: 'patchClusterCustomObjectStatus', apiGroup: API_GROUP, resources: MESH_PLURALS.map((p) => `${p}/status`), verbs: ['patch'], scope: 'Cluster' },
  // The Gateway API as an input (controller/sources/gateway-api-kubernetes.ts): read, and status on Gateways and routes.
  { method: 'listClusterCustomObject', apiGroup: GATEWAY_API_GROUP, resources: GATEWAY_API_PLURALS, verbs: ['list', 'watch'], scope: 'Cluster' },
  { method: 'patchNamespacedCustomObjectStatus', apiGroup: GATEWAY_API_GROUP, resources: GATEWAY_API_STATUS, verbs: ['patch'], scope: 'Cluster' },
  { method: 'listPodForAllNamespaces', apiGroup: '', resources: ['pods'], verbs: ['list', 'watch'], scope: 'Cluster' },
  // Gateway listeners' certificates: listed and watched with the field selector type=kubernetes.io/tls (RBAC cannot narrow by type).
  { method: 'listSecretForAllNamespaces', apiGroup: '', resources: ['secrets'], verbs: ['list', 'watch'], scope: 'Cluster' },
  { method: 'listEndpointSliceForAllNamespaces', apiGroup: 'discovery.k8s.io', resources: ['endpointslices'], verbs: ['list', 'watch'], scope: 'Cluster' },
  // The injection namespaces (labelled) and the CA root ConfigMap the leader keeps in them (controller/sources/ca-root-publisher.ts).
  { method: 'listNamespace', apiGroup: '', resources: ['namespaces'], verbs: ['list', 'watch'], scope: 'Cluster' },
  { method: 'readNamespacedConfigMap', apiGroup: '', resources: ['configmaps'], verbs: ['get'], scope: 'Cluster', resourceNames: [CA_ROOT_CONFIGMAP] },
  { method: 'createNamespacedConfigMap', apiGroup: '', resources: ['configmaps'], verbs: ['create'], scope: 'Cluster' },
  { method: 'replaceNamespacedConfigMap', apiGroup: '', resources: ['configmaps'], verbs: ['update'], scope: 'Cluster', resourceNames: [CA_ROOT_CONFIGMAP] },
  // Proxy tokens, and the bearer tokens of /debug/* callers (controller/admin-authorizer.ts) with their RBAC check.
  { method: 'createTokenReview', apiGroup: 'authentication.k8s.io', resources: ['tokenreviews'], verbs: ['create'], scope: 'Cluster' },
  { method: 'createSubjectAccessReview', apiGroup: 'authorization.k8s.io', resources: ['subjectaccessreviews'], verbs: ['create'], scope: 'Cluster' },
  // Creating cannot be limited by name; reading and renewing can.
  { method: 'createNamespacedLease', apiGroup: 'coordination.k8s.io', resources: ['leases'], verbs: ['create'], scope: 'Namespace' },
  { method: 'readNamespacedLease', apiGroup: 'coordination.k8s.io', resources: ['leases'], verbs: ['get'], scope: 'Namespace', resourceNames: [CONTROLLER_LEASE] },
  { method: 'replaceNamespacedLease', apiGroup: 'coordination.k8s.io', resources: ['leases'], verbs: ['update'], scope: 'Namespace', resourceNames: [CONTROLLER_LEASE] },
];
