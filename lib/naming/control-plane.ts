import { DEBUGGER_CLUSTER_ROLE } from '../rbac/debug-access';

/** Ports of the controller pod. */
export const CONTROL_PLANE_PORTS = {
  /**
   * ADS over TLS, with a certificate from the mesh CA naming the controller Service; proxies verify it
   * against the `meshform-ca-root` ConfigMap the controller publishes. The only xDS port in a cluster:
   * SDS carries private keys, so nothing is served in plaintext on the pod network.
   */
  xdsTls: 15012,
  /**
   * /healthz and /readyz (kubelet probes, always allowed from the node), /debug/* (a Kubernetes token
   * with the `meshform-debugger` permission) and /metrics too: reached by port-forward or from the operator namespace.
   */
  admin: 15014,
  /** /metrics alone, for Prometheus in the telemetry namespace (a port of its own so it can be admitted without /debug/*). */
  metrics: 15015,
  /** The admission webhooks (HTTPS); the Service exposes them on 443. */
  webhooks: 15017,
} as const;

/** Names of what the control plane creates, for other constructs and for `kubectl`. */
export const CONTROL_PLANE_NAMES = {
  controller: 'meshform-controller',
  webhookService: 'meshform-webhooks',
  bootstrap: 'meshform-bootstrap',
  webhookSecret: 'meshform-webhook-tls',
  injectionConfigMap: 'meshform-injection',
  mutatingWebhook: 'meshform-sidecar-injector',
  validatingWebhook: 'meshform-validation',
  debugger: DEBUGGER_CLUSTER_ROLE,
  debuggerPortForward: `${DEBUGGER_CLUSTER_ROLE}-port-forward`,
} as const;
