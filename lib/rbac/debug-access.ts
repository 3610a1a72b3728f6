import { API_GROUP } from '../api';

/**
 * What reading the controller's `/debug/*` takes: RBAC verb `debug` on `proxies` in group
 * `meshform.dev`, in the control plane's namespace. The resource is not served by the API server;
 * RBAC matches the strings, so a ClusterRoleBinding or a RoleBinding in the control-plane namespace
 * to a role granting it lets a user read every proxy's configuration.
 */
export const DEBUG_ACCESS = { apiGroup: API_GROUP, resource: 'proxies', verb: 'debug' } as const;

/** The ClusterRole MeshControlPlane renders granting DEBUG_ACCESS, for operators to bind. */
export const DEBUGGER_CLUSTER_ROLE = 'meshform-debugger';
