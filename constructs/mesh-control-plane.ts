import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { API_GROUP, API_VERSION, KIND_NAMES, KINDS } from '../lib/api';
import { ADMISSION_PATHS, INJECT_ANNOTATION, INJECTION_NAMESPACE_LABEL, injectionConfig, podFieldRef, type InjectionConfig, type InjectionConfigInput } from '../lib/injection';
import { bootstrapApiPermissions, CONTROLLER_API_PERMISSIONS, DEBUG_ACCESS, policyRules, type ApiPermission } from '../lib/rbac';
import { CONTROL_PLANE_NAMES, CONTROL_PLANE_PORTS } from '../lib/naming';
import { MeshformValidationError, type Finding } from '../lib/validation';
import { version as MESHFORM_VERSION } from '../package.json';
import { ClusterApiObject } from './cluster-api-object';
import { controlPlaneNetworkPolicy, controlPlaneNetworkPolicyFindings } from './control-plane-network-policy';
import { hardenedDeployment, MESHFORM_UID, oneAtATimeDisruptionBudget, spreadOverNodes, type ContainerResources } from './hardened-pod';
import { MeshCrds } from './mesh-crds';
import { SidecarInjection } from './sidecar-injection';

export { CONTROL_PLANE_NAMES, CONTROL_PLANE_PORTS };


/** Where the Meshform images (controller, proxy) are published. */
export const MESHFORM_REGISTRY = 'ghcr.io/meshform';
/** Where the API server's requests to webhooks may come from when nobody says: anywhere (see `apiServerCidrs`). */
const ANY_ADDRESS = ['0.0.0.0/0', '::/0'] as const;

/** Props of MeshControlPlane. */
export interface MeshControlPlaneProps {
  /**
   * Namespace of the controller, its Services and Secrets (created here, labelled to enforce the restricted Pod Security Standard and never injected).
   * @default 'meshform-system'
   */
  readonly namespace?: string;
  /**
   * Registry and repository prefix of the Meshform images (`<registry>/controller`, `<registry>/proxy`).
   * @default 'ghcr.io/meshform'
   */
  readonly registry?: string;
  /**
   * Tag of both images; one version describes the controller and its proxies.
   * @default the version in package.json
   */
  readonly version?: string;
  /**
   * Controller replicas; they elect a leader through a Lease, and more than one gets a PodDisruptionBudget and spreads over nodes.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Resources of the controller container.
   * @default requests 100m CPU / 128Mi, limit 512Mi
   */
  readonly resources?: ContainerResources;
  /**
   * The sidecar config (mode, capture exclusions, proxy resources, tracing); the webhook reads it from a ConfigMap and static injection from the SidecarInjection this construct adds.
   * @default native sidecars, proxy image `<registry>/proxy:<version>`, controller address of this control plane
   */
  readonly injection?: Partial<InjectionConfigInput>;
  /**
   * Add a SidecarInjection so `MeshService` workloads in this app are injected at synth (visible in the GitOps diff) instead of by the webhook.
   * @default true
   */
  readonly staticInjection?: boolean;
  /**
   * Render the mesh CRDs here; false when another chart holds `MeshCrds`.
   * @default true
   */
  readonly crds?: boolean;
  /**
   * Secret (type kubernetes.io/tls, ECDSA P-256 PKCS#8 key) holding the mesh root CA. The bootstrap Job creates it when missing; provide your own (cert-manager, sealed secret) under this name to keep the root elsewhere.
   * @default 'meshform-ca'
   */
  readonly caSecretName?: string;
  /**
   * SPIFFE trust domain of the root the bootstrap Job creates; keep it equal to the Mesh's `trustDomain`.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;
  /**
   * What happens to pods in labelled namespaces when the injection webhook is down: `Fail` keeps them from starting outside the mesh.
   * @default 'Fail'
   */
  readonly injectionFailurePolicy?: 'Fail' | 'Ignore';
  /**
   * What happens to mesh resources when the validating webhook is down. `Ignore` lets `kubectl apply` of CRDs, control plane and resources succeed in one go; the controller validates again and reports invalid ones in their status.
   * @default 'Ignore'
   */
  readonly validationFailurePolicy?: 'Fail' | 'Ignore';
  /**
   * Source CIDRs of the API server's calls to the admission webhooks; the control plane's
   * NetworkPolicy admits only these to the webhook port. A NetworkPolicy cannot select the API
   * server by label (it runs outside the pod network, on control-plane nodes or managed by the
   * provider), and the address it calls from differs per cluster: the control-plane nodes' subnet
   * (kubeadm), the master CIDR (GKE private clusters), the VPC subnets of its network interfaces
   * (EKS). The default admits any address to that port alone, the one value that works
   * everywhere; the webhooks answer admission reviews only and hold no secret.
   * @default ['0.0.0.0/0', '::/0']
   */
  readonly apiServerCidrs?: readonly string[];
  /**
   * Namespace whose pods may scrape the controller's metrics port (the TelemetryAddons namespace).
   * @default 'meshform-telemetry'
   */
  readonly telemetryNamespace?: string;
  /**
   * Namespace whose pods may reach the controller's admin port (/debug/* still needs a token
   * bound to `meshform-debugger`). Without one the admin port is reached only from inside the pod,
   * which includes `kubectl port-forward` and `meshform debug config`.
   * @default none
   */
  readonly operatorNamespace?: string;
  /**
   * Prometheus the dashboard reads the sidecars' traffic from (`TelemetryAddons.prometheusUrl`),
   * like `http://meshform-prometheus.meshform-telemetry.svc:9090`.
   * @default none: the controller scrapes the sidecars itself while someone has the dashboard open
   */
  readonly prometheusUrl?: string;
}

/**
 * Everything a cluster needs to run the mesh: namespace, CRDs, the controller Deployment with its
 * least-privilege RBAC (from lib/rbac, the list the controller's API calls are checked against),
 * Services for xDS, webhooks and metrics, the Job that bootstraps the CA and webhook Secrets, and
 * the mutating (sidecar injection) and validating (mesh resources) webhook configurations.
 */
export class MeshControlPlane extends Construct {
  readonly namespace: string;
  /** The sidecar config both injection paths use. */
  readonly injection: InjectionConfig;
  /** Image of the controller. */
  readonly controllerImage: string;
  /** The controller's metrics endpoint (`host:port`), for scrape configs. */
  readonly metricsAddress: string;
  /** The Secret (in `namespace`) holding the mesh root CA. */
  readonly caSecretName: string;

  constructor(scope: Construct, id: string, props: MeshControlPlaneProps = {}) {
    super(scope, id);
    const findings = [...controlPlaneNetworkPolicyFindings(this.node.path, props), ...prometheusUrlFindings(this.node.path, props.prometheusUrl)];
    if (findings.length > 0) throw new MeshformValidationError(findings);
    const ns = (this.namespace = props.namespace ?? 'meshform-system');
    const registry = props.registry ?? MESHFORM_REGISTRY;
    const version = props.version ?? MESHFORM_VERSION;
    const replicas = props.replicas ?? 1;
    const names = CONTROL_PLANE_NAMES;
    const caSecret = (this.caSecretName = props.caSecretName ?? 'meshform-ca');
    this.controllerImage = `${registry}/controller:${version}`;
    this.metricsAddress = `${names.controller}.${ns}.svc:${CONTROL_PLANE_PORTS.metrics}`;
    this.injection = injectionConfig({
      proxyImage: `${registry}/proxy:${version}`,
      controllerAddress: `${names.controller}.${ns}.svc:${CONTROL_PLANE_PORTS.xdsTls}`,
      ...props.injection,
    });
    const labels = { 'app.kubernetes.io/name': names.controller, 'app.kubernetes.io/part-of': 'meshform', 'app.kubernetes.io/version': version };
    const selector = { 'app.kubernetes.io/name': names.controller };
    const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: ns, labels, ...extra });

    new ClusterApiObject(this, 'Namespace', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels: { ...labels, [INJECTION_NAMESPACE_LABEL]: 'disabled', 'pod-security.kubernetes.io/enforce': 'restricted' } },
    });
    if (props.crds ?? true) new MeshCrds(this, 'Crds');
    if (props.staticInjection ?? true) new SidecarInjection(this, 'SidecarInjection', this.injection);

    this.serviceAccountWithRbac('Controller', names.controller, CONTROLLER_API_PERMISSIONS, labels);
    this.serviceAccountWithRbac(
      'Bootstrap',
      names.bootstrap,
      bootstrapApiPermissions({ caSecret, webhookSecret: names.webhookSecret, mutatingWebhook: names.mutatingWebhook, validatingWebhook: names.validatingWebhook }),
      labels,
    );

    new ApiObject(this, 'InjectionConfig', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(names.injectionConfigMap),
      data: { 'injection.json': JSON.stringify(this.injection, null, 2) },
    });

    const controllerArgs = [
      '--kubernetes',
      `--namespace=${ns}`,
      '--host=0.0.0.0',
      `--xds-port=${CONTROL_PLANE_PORTS.xdsTls}`,
      '--xds-tls',
      `--admin-port=${CONTROL_PLANE_PORTS.admin}`,
      `--metrics-port=${CONTROL_PLANE_PORTS.metrics}`,
      `--token-audience=${this.injection.tokenAudience}`,
      '--ca-cert=/etc/meshform/ca/tls.crt',
      '--ca-key=/etc/meshform/ca/tls.key',
      ...(props.prometheusUrl !== undefined ? [`--prometheus-url=${props.prometheusUrl}`] : []),
    ];
    const podEnv = [
      { name: 'POD_NAME', valueFrom: podFieldRef('metadata.name') },
      { name: 'POD_NAMESPACE', valueFrom: podFieldRef('metadata.namespace') },
    ];
    const httpProbe = (path: string, port: number, scheme = 'HTTP') => ({ httpGet: { path, port, scheme } });
    hardenedDeployment(this, 'Deployment', {
      name: names.controller,
      namespace: ns,
      labels: { ...selector },
      replicas,
      serviceAccountName: names.controller,
      uid: MESHFORM_UID,
      annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(CONTROL_PLANE_PORTS.metrics), 'prometheus.io/path': '/metrics' },
      // Replicas on different nodes, so losing a node never loses every xDS server.
      ...(replicas > 1 ? { affinity: spreadOverNodes(selector) } : {}),
      containers: [
        {
          name: 'controller',
          image: this.controllerImage,
          args: controllerArgs,
          env: podEnv,
          ports: [
            { name: 'tls-xds', containerPort: CONTROL_PLANE_PORTS.xdsTls },
            { name: 'http-admin', containerPort: CONTROL_PLANE_PORTS.admin },
            { name: 'http-metrics', containerPort: CONTROL_PLANE_PORTS.metrics },
          ],
          livenessProbe: { ...httpProbe('/healthz', CONTROL_PLANE_PORTS.admin), periodSeconds: 10, failureThreshold: 3 },
          readinessProbe: { ...httpProbe('/readyz', CONTROL_PLANE_PORTS.admin), periodSeconds: 5, failureThreshold: 3 },
          startupProbe: { ...httpProbe('/healthz', CONTROL_PLANE_PORTS.admin), periodSeconds: 2, failureThreshold: 60 },
          resources: props.resources ?? { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
          volumeMounts: [
            { name: 'ca', mountPath: '/etc/meshform/ca', readOnly: true },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
        {
          // Its own container: admission keeps answering while the controller restarts or waits for leadership.
          name: 'webhooks',
          image: this.controllerImage,
          args: [
            'webhooks',
            `--port=${CONTROL_PLANE_PORTS.webhooks}`,
            '--cert=/etc/meshform/webhook-tls/tls.crt',
            '--key=/etc/meshform/webhook-tls/tls.key',
            '--injection-config=/etc/meshform/injection/injection.json',
          ],
          ports: [{ name: 'https-webhooks', containerPort: CONTROL_PLANE_PORTS.webhooks }],
          livenessProbe: { ...httpProbe('/healthz', CONTROL_PLANE_PORTS.webhooks, 'HTTPS'), periodSeconds: 10 },
          readinessProbe: { ...httpProbe('/healthz', CONTROL_PLANE_PORTS.webhooks, 'HTTPS'), periodSeconds: 5 },
          resources: { requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '256Mi' } },
          volumeMounts: [
            { name: 'webhook-tls', mountPath: '/etc/meshform/webhook-tls', readOnly: true },
            { name: 'injection', mountPath: '/etc/meshform/injection', readOnly: true },
          ],
        },
      ],
      volumes: [
        // Not optional: the pod waits in ContainerCreating until the bootstrap Job has made the Secrets.
        { name: 'ca', secret: { secretName: caSecret } },
        { name: 'webhook-tls', secret: { secretName: names.webhookSecret } },
        { name: 'injection', configMap: { name: names.injectionConfigMap } },
        { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
      ],
    });

    if (replicas > 1) oneAtATimeDisruptionBudget(this, 'DisruptionBudget', meta(names.controller), selector);

    const service = (id: string, name: string, ports: Record<string, unknown>[]) =>
      new ApiObject(this, id, { apiVersion: 'v1', kind: 'Service', metadata: meta(name), spec: { selector, ports } });
    service('XdsService', names.controller, [
      { name: 'tls-xds', port: CONTROL_PLANE_PORTS.xdsTls, targetPort: CONTROL_PLANE_PORTS.xdsTls, appProtocol: 'grpc' },
      { name: 'http-metrics', port: CONTROL_PLANE_PORTS.metrics, targetPort: CONTROL_PLANE_PORTS.metrics },
    ]);
    service('WebhookService', names.webhookService, [{ name: 'https-webhooks', port: 443, targetPort: CONTROL_PLANE_PORTS.webhooks }]);

    controlPlaneNetworkPolicy(this, 'NetworkPolicy', {
      name: names.controller,
      namespace: ns,
      labels,
      podSelector: selector,
      ports: { xds: CONTROL_PLANE_PORTS.xdsTls, webhooks: CONTROL_PLANE_PORTS.webhooks, metrics: CONTROL_PLANE_PORTS.metrics, admin: CONTROL_PLANE_PORTS.admin },
      apiServerCidrs: props.apiServerCidrs ?? ANY_ADDRESS,
      telemetryNamespace: props.telemetryNamespace ?? 'meshform-telemetry',
      ...(props.operatorNamespace ? { operatorNamespace: props.operatorNamespace } : {}),
    });
    // Bound by operators (`kubectl create clusterrolebinding … --clusterrole=meshform-debugger`, or a RoleBinding in this namespace) to read /debug/*.
    new ClusterApiObject(this, 'DebuggerClusterRole', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: names.debugger, labels },
      rules: [{ apiGroups: [DEBUG_ACCESS.apiGroup], resources: [DEBUG_ACCESS.resource], verbs: [DEBUG_ACCESS.verb] }],
    });
    // What `meshform debug config` needs to reach a controller pod's admin port, in this namespace only (a cluster-wide grant would open every pod).
    new ApiObject(this, 'DebuggerPortForwardRole', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(names.debuggerPortForward),
      rules: [
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
        // A WebSocket port-forward (what client-node opens) is a GET upgrade; the API server checks get and create.
        { apiGroups: [''], resources: ['pods/portforward'], verbs: ['create', 'get'] },
      ],
    });

    new ApiObject(this, 'BootstrapJob', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      // The version in the name: an upgrade runs it again (Job templates are immutable), and it only creates what is missing.
      metadata: meta(`${names.bootstrap}-${version.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`),
      spec: {
        backoffLimit: 6,
        ttlSecondsAfterFinished: 3600,
        template: {
          metadata: { labels: { 'app.kubernetes.io/name': names.bootstrap }, annotations: { [INJECT_ANNOTATION]: 'false' } },
          spec: {
            serviceAccountName: names.bootstrap,
            restartPolicy: 'OnFailure',
            securityContext: { runAsNonRoot: true, runAsUser: MESHFORM_UID, runAsGroup: MESHFORM_UID, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'bootstrap',
                image: this.controllerImage,
                args: [
                  'bootstrap-secrets',
                  `--namespace=${ns}`,
                  `--ca-secret=${caSecret}`,
                  `--webhook-secret=${names.webhookSecret}`,
                  `--service=${names.webhookService}`,
                  `--mutating-webhook=${names.mutatingWebhook}`,
                  `--validating-webhook=${names.validatingWebhook}`,
                  `--trust-domain=${props.trustDomain ?? 'cluster.local'}`,
                ],
                resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
              },
            ],
          },
        },
      },
    });

    const clientConfig = (path: string) => ({ service: { name: names.webhookService, namespace: ns, path, port: 443 } });
    const neverInject = { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [ns, 'kube-system', 'kube-node-lease', 'kube-public'] };
    const podCreate = [{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'], scope: 'Namespaced' }];
    const common = { admissionReviewVersions: ['v1'], sideEffects: 'None', timeoutSeconds: 10 };
    new ClusterApiObject(this, 'MutatingWebhook', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      // caBundle is written by the bootstrap Job; GitOps tools should ignore that field.
      metadata: { name: names.mutatingWebhook, labels },
      webhooks: [
        {
          name: 'namespace.injection.meshform.dev',
          ...common,
          clientConfig: clientConfig(ADMISSION_PATHS.inject),
          rules: podCreate,
          failurePolicy: props.injectionFailurePolicy ?? 'Fail',
          reinvocationPolicy: 'IfNeeded',
          namespaceSelector: { matchExpressions: [{ key: INJECTION_NAMESPACE_LABEL, operator: 'In', values: ['enabled'] }, neverInject] },
        },
        {
          // Label selectors cannot see annotations: the server injects these pods only when annotated meshform.dev/inject: "true".
          name: 'pod.injection.meshform.dev',
          ...common,
          clientConfig: clientConfig(ADMISSION_PATHS.injectOptIn),
          rules: podCreate,
          // A pod outside labelled namespaces never waits on the mesh.
          failurePolicy: 'Ignore',
          reinvocationPolicy: 'IfNeeded',
          namespaceSelector: { matchExpressions: [{ key: INJECTION_NAMESPACE_LABEL, operator: 'NotIn', values: ['enabled', 'disabled'] }, neverInject] },
        },
      ],
    });
    new ClusterApiObject(this, 'ValidatingWebhook', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: names.validatingWebhook, labels },
      webhooks: [
        {
          name: 'resources.validation.meshform.dev',
          ...common,
          clientConfig: clientConfig(ADMISSION_PATHS.validate),
          rules: [{ apiGroups: [API_GROUP], apiVersions: [API_VERSION], resources: KIND_NAMES.map((k) => KINDS[k].plural), operations: ['CREATE', 'UPDATE'], scope: '*' }],
          failurePolicy: props.validationFailurePolicy ?? 'Ignore',
        },
      ],
    });
  }

  /** A ServiceAccount with exactly `permissions`: a ClusterRole for cluster-wide ones, a Role in the namespace for the rest. */
  private serviceAccountWithRbac(id: string, name: string, permissions: readonly ApiPermission[], labels: Record<string, string>): void {
    const ns = this.namespace;
    new ApiObject(this, `${id}ServiceAccount`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns, labels } });
    const subjects = [{ kind: 'ServiceAccount', name, namespace: ns }];
    const clusterRules = policyRules(permissions, 'Cluster');
    if (clusterRules.length) {
      new ClusterApiObject(this, `${id}ClusterRole`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels }, rules: clusterRules });
      new ClusterApiObject(this, `${id}ClusterRoleBinding`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects,
      });
    }
    const namespaceRules = policyRules(permissions, 'Namespace');
    if (namespaceRules.length) {
      new ApiObject(this, `${id}Role`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: ns, labels }, rules: namespaceRules });
      new ApiObject(this, `${id}RoleBinding`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name, namespace: ns, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects,
      });
    }
  }
}

function prometheusUrlFindings(where: string, url: string | undefined): Finding[] {
  if (url === undefined || (URL.canParse(url) && ['http:', 'https:'].includes(new URL(url).protocol))) return [];
  return [{ code: 'BAD_FORMAT', where, field: 'prometheusUrl', message: `${JSON.stringify(url)} is not an http(s) URL`, limit: 'http:// or https:// URL', fix: 'give the Prometheus base URL, like TelemetryAddons.prometheusUrl' }];
}
