/** Pod annotation: "true" asks for a sidecar (in any namespace), "false" keeps the pod out of the mesh. */
export const INJECT_ANNOTATION = 'meshform.dev/inject';

/** Namespace label: `enabled` injects every pod of the namespace unless it opts out. */
export const INJECTION_NAMESPACE_LABEL = 'meshform.dev/injection';

/** Pod annotation set on injection; a pod carrying it is never injected twice (static, then webhook). */
export const INJECTED_ANNOTATION = 'meshform.dev/injected';

/**
 * Pod label injection sets (value `true`): NetworkPolicies can select pods by label only, so this is
 * how the control plane's policy admits meshed pods, and only them, to its xDS port.
 */
export const MESHED_LABEL = 'meshform.dev/meshed';

/** Pod annotation naming the MeshService the pod belongs to, when the `app` label does not. */
export const SERVICE_ANNOTATION = 'meshform.dev/service';

/** Pod annotation holding the proxy's bootstrap (JSON); a downward-API volume turns it into a file. */
export const BOOTSTRAP_ANNOTATION = 'meshform.dev/bootstrap';

/** Pod annotations refining traffic capture for one pod, comma-separated (like Istio's `traffic.sidecar.istio.io/*`). */
export const EXCLUDE_OUTBOUND_PORTS_ANNOTATION = 'meshform.dev/exclude-outbound-ports';
export const EXCLUDE_OUTBOUND_CIDRS_ANNOTATION = 'meshform.dev/exclude-outbound-cidrs';
/** Outbound ports captured besides the mesh's (`includeOutboundPorts: 'mesh'`): services the pod will call on a port the mesh does not use yet. */
export const INCLUDE_OUTBOUND_PORTS_ANNOTATION = 'meshform.dev/include-outbound-ports';
/**
 * Pod annotation set on injection: the outbound ports its rules capture (`all`, or comma-separated).
 * Injection knows the mesh's ports only when it injects; a pod whose list lacks a port the mesh
 * uses now was injected before that port existed and needs a restart to capture it.
 */
export const CAPTURED_OUTBOUND_PORTS_ANNOTATION = 'meshform.dev/captured-outbound-ports';
/** Container ports left uncaptured: callers reach the app there directly, outside the mesh. */
export const EXCLUDE_INBOUND_PORTS_ANNOTATION = 'meshform.dev/exclude-inbound-ports';

/** Prometheus' conventional scrape annotations, which the TelemetryAddons scrape config follows. */
export const PROMETHEUS_SCRAPE_ANNOTATION = 'prometheus.io/scrape';
export const PROMETHEUS_PORT_ANNOTATION = 'prometheus.io/port';
export const PROMETHEUS_PATH_ANNOTATION = 'prometheus.io/path';
