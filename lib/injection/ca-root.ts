/**
 * The roots a proxy verifies the controller's xDS certificate with: the controller's leader keeps
 * this ConfigMap in every namespace with injected pods (as Istio's `istio-ca-root-cert`), and
 * injection projects its key beside the bootstrap.
 */
export const CA_ROOT_CONFIGMAP = 'meshform-ca-root';
/** The key holding the PEM trust bundle (every trusted root: two during a rotation). */
export const CA_ROOT_KEY = 'root-cert.pem';
