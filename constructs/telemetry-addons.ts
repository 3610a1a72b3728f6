import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { INJECTED_ANNOTATION, PROMETHEUS_PATH_ANNOTATION, PROMETHEUS_PORT_ANNOTATION, PROMETHEUS_SCRAPE_ANNOTATION } from '../lib/injection';
import { ClusterApiObject } from './cluster-api-object';
import { grafanaDashboard, MESH_DASHBOARDS } from './grafana-dashboards';
import { hardenedDeployment, type ContainerResources } from './hardened-pod';
import { CONTROL_PLANE_NAMES } from './mesh-control-plane';

/** Prometheus options. */
export interface PrometheusAddonOptions {
  /**
   * How long samples are kept.
   * @default '15d'
   */
  readonly retention?: string;
  /**
   * How often proxies and the controller are scraped.
   * @default '15s'
   */
  readonly scrapeInterval?: string;
  /**
   * Image, pinned.
   * @default 'quay.io/prometheus/prometheus:v3.5.0'
   */
  readonly image?: string;
  /**
   * Container resources.
   * @default requests 100m CPU / 512Mi, limit 2Gi
   */
  readonly resources?: ContainerResources;
}

/** Grafana options. */
export interface GrafanaAddonOptions {
  /**
   * Image, pinned.
   * @default 'docker.io/grafana/grafana:12.1.1'
   */
  readonly image?: string;
  /**
   * Secret with key `admin-password` for the admin user; until it exists, dashboards are read-only for anonymous viewers and the admin login is disabled.
   * @default 'meshform-grafana-admin'
   */
  readonly adminSecretName?: string;
}

/** Tracing backend options. */
export interface TracingAddonOptions {
  /**
   * Jaeger v2 (an OpenTelemetry Collector distribution with storage and UI), pinned.
   * @default 'docker.io/jaegertracing/jaeger:2.9.0'
   */
  readonly image?: string;
  /**
   * Traces kept in memory (a restart loses them; point Jaeger at a real store for more).
   * @default 50000
   */
  readonly maxTraces?: number;
}

/** Props of TelemetryAddons: each part can be turned off per environment with `false`. */
export interface TelemetryAddonsProps {
  /**
   * Namespace of the add-ons (created here).
   * @default 'meshform-telemetry'
   */
  readonly namespace?: string;
  /**
   * Namespace of the control plane whose controller is scraped.
   * @default 'meshform-system'
   */
  readonly controlPlaneNamespace?: string;
  /**
   * Prometheus scraping the sidecars (by their prometheus.io annotations) and the controller.
   * @default enabled with the defaults of PrometheusAddonOptions
   */
  readonly prometheus?: PrometheusAddonOptions | false;
  /**
   * Grafana with the mesh overview, per-service golden signals and control-plane dashboards (needs Prometheus).
   * @default enabled with the defaults of GrafanaAddonOptions
   */
  readonly grafana?: GrafanaAddonOptions | false;
  /**
   * A tracing backend receiving the proxies' OTLP/HTTP spans; pass `otlpEndpoint` to the control plane's `injection.tracing`.
   * @default enabled with the defaults of TracingAddonOptions
   */
  readonly tracing?: TracingAddonOptions | false;
}

const PROMETHEUS_PORT = 9090;
const GRAFANA_PORT = 3000;
const JAEGER_UI_PORT = 16686;
const OTLP_HTTP_PORT = 4318;
const OTLP_GRPC_PORT = 4317;
const DATASOURCE_UID = 'meshform-prometheus';

/** Metrics, dashboards and traces for the mesh, each part optional. */
export class TelemetryAddons extends Construct {
  readonly namespace: string;
  /** Where proxies send spans (`injection.tracing.otlpEndpoint`); undefined without tracing. */
  readonly otlpEndpoint?: string;
  /** Prometheus' URL inside the cluster; undefined without Prometheus. */
  readonly prometheusUrl?: string;

  constructor(scope: Construct, id: string, props: TelemetryAddonsProps = {}) {
    super(scope, id);
    const ns = (this.namespace = props.namespace ?? 'meshform-telemetry');
    new ClusterApiObject(this, 'Namespace', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels: { 'meshform.dev/injection': 'disabled', 'pod-security.kubernetes.io/enforce': 'restricted', 'app.kubernetes.io/part-of': 'meshform' } },
    });
    if (props.prometheus !== false) this.prometheusUrl = this.prometheus(props.prometheus ?? {}, props.controlPlaneNamespace ?? 'meshform-system');
    if (props.grafana !== false) {
      if (!this.prometheusUrl) throw new Error(`${this.node.path}: grafana needs prometheus (its dashboards query it); enable prometheus or set grafana: false`);
      this.grafana(props.grafana ?? {}, this.prometheusUrl, props.tracing !== false);
    }
    if (props.tracing !== false) this.otlpEndpoint = this.tracing(props.tracing ?? {});
  }

  private service(id: string, name: string, ports: { name: string; port: number }[]): string {
    new ApiObject(this, id, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: this.namespace, labels: { 'app.kubernetes.io/name': name } },
      spec: { selector: { 'app.kubernetes.io/name': name }, ports: ports.map((p) => ({ ...p, targetPort: p.port })) },
    });
    return `${name}.${this.namespace}.svc`;
  }

  private configMap(id: string, name: string, data: Record<string, string>): void {
    new ApiObject(this, id, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: this.namespace }, data });
  }

  private prometheus(options: PrometheusAddonOptions, controlPlaneNamespace: string): string {
    const name = 'meshform-prometheus';
    const ns = this.namespace;
    const annotation = (key: string) => `__meta_kubernetes_pod_annotation_${key.replace(/[^a-zA-Z0-9]/g, '_')}`;
    const podLabels = [
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
    ];
    const config = {
      global: { scrape_interval: options.scrapeInterval ?? '15s', evaluation_interval: options.scrapeInterval ?? '15s' },
      scrape_configs: [
        {
          // Injected pods announce their proxy's admin port and path (lib/injection adds the annotations).
          job_name: 'meshform-proxies',
          kubernetes_sd_configs: [{ role: 'pod' }],
          relabel_configs: [
            { source_labels: [annotation(INJECTED_ANNOTATION)], regex: '.+', action: 'keep' },
            { source_labels: [annotation(PROMETHEUS_SCRAPE_ANNOTATION)], regex: 'true', action: 'keep' },
            { source_labels: ['__address__', annotation(PROMETHEUS_PORT_ANNOTATION)], regex: '([^:]+)(?::\\d+)?;(\\d+)', replacement: '$1:$2', target_label: '__address__' },
            { source_labels: [annotation(PROMETHEUS_PATH_ANNOTATION)], regex: '(.+)', target_label: '__metrics_path__' },
            ...podLabels,
          ],
        },
        {
          job_name: CONTROL_PLANE_NAMES.controller,
          kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [controlPlaneNamespace] } }],
          relabel_configs: [
            { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], regex: CONTROL_PLANE_NAMES.controller, action: 'keep' },
            { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: 'http-metrics', action: 'keep' },
            { source_labels: [annotation(PROMETHEUS_PATH_ANNOTATION)], regex: '(.+)', target_label: '__metrics_path__' },
            ...podLabels,
          ],
        },
      ],
    };
    this.configMap('PrometheusConfig', name, { 'prometheus.yml': stringify(config) });
    new ApiObject(this, 'PrometheusServiceAccount', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } });
    // Service discovery by pod: exactly what kubernetes_sd_configs role pod reads.
    new ClusterApiObject(this, 'PrometheusClusterRole', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
    });
    new ClusterApiObject(this, 'PrometheusClusterRoleBinding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
    });
    const probe = (path: string) => ({ httpGet: { path, port: PROMETHEUS_PORT } });
    hardenedDeployment(this, 'PrometheusDeployment', {
      name,
      namespace: ns,
      labels: { 'app.kubernetes.io/name': name },
      replicas: 1,
      serviceAccountName: name,
      uid: 65534,
      containers: [
        {
          name: 'prometheus',
          image: options.image ?? 'quay.io/prometheus/prometheus:v3.5.0',
          args: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', `--storage.tsdb.retention.time=${options.retention ?? '15d'}`],
          ports: [{ name: 'http', containerPort: PROMETHEUS_PORT }],
          readinessProbe: probe('/-/ready'),
          livenessProbe: probe('/-/healthy'),
          resources: options.resources ?? { requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '2Gi' } },
          volumeMounts: [
            { name: 'config', mountPath: '/etc/prometheus', readOnly: true },
            { name: 'data', mountPath: '/prometheus' },
          ],
        },
      ],
      volumes: [
        { name: 'config', configMap: { name } },
        { name: 'data', emptyDir: {} },
      ],
    });
    return `http://${this.service('PrometheusService', name, [{ name: 'http', port: PROMETHEUS_PORT }])}:${PROMETHEUS_PORT}`;
  }

  private grafana(options: GrafanaAddonOptions, prometheusUrl: string, withTracing: boolean): void {
    const name = 'meshform-grafana';
    const datasources = [
      { name: 'Prometheus', uid: DATASOURCE_UID, type: 'prometheus', access: 'proxy', url: prometheusUrl, isDefault: true, editable: false },
      ...(withTracing ? [{ name: 'Jaeger', uid: 'meshform-jaeger', type: 'jaeger', access: 'proxy', url: `http://meshform-jaeger.${this.namespace}.svc:${JAEGER_UI_PORT}`, editable: false }] : []),
    ];
    this.configMap('GrafanaDatasources', `${name}-datasources`, { 'datasources.yaml': stringify({ apiVersion: 1, datasources }) });
    this.configMap('GrafanaDashboardProvider', `${name}-dashboard-provider`, {
      'provider.yaml': stringify({ apiVersion: 1, providers: [{ name: 'meshform', folder: 'Meshform', type: 'file', disableDeletion: true, allowUiUpdates: false, options: { path: '/var/lib/grafana/dashboards' } }] }),
    });
    this.configMap(
      'GrafanaDashboards',
      `${name}-dashboards`,
      Object.fromEntries(MESH_DASHBOARDS.map((d) => [`${d.uid}.json`, JSON.stringify(grafanaDashboard(d, DATASOURCE_UID), null, 2)])),
    );
    const adminSecret = options.adminSecretName ?? 'meshform-grafana-admin';
    hardenedDeployment(this, 'GrafanaDeployment', {
      name,
      namespace: this.namespace,
      labels: { 'app.kubernetes.io/name': name },
      replicas: 1,
      uid: 472,
      containers: [
        {
          name: 'grafana',
          image: options.image ?? 'docker.io/grafana/grafana:12.1.1',
          env: [
            { name: 'GF_PATHS_PROVISIONING', value: '/etc/grafana/provisioning' },
            { name: 'GF_AUTH_ANONYMOUS_ENABLED', value: 'true' },
            { name: 'GF_AUTH_ANONYMOUS_ORG_ROLE', value: 'Viewer' },
            { name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: adminSecret, key: 'admin-password', optional: true } } },
            { name: 'GF_ANALYTICS_REPORTING_ENABLED', value: 'false' },
          ],
          ports: [{ name: 'http', containerPort: GRAFANA_PORT }],
          readinessProbe: { httpGet: { path: '/api/health', port: GRAFANA_PORT } },
          livenessProbe: { httpGet: { path: '/api/health', port: GRAFANA_PORT }, initialDelaySeconds: 30 },
          resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
          volumeMounts: [
            { name: 'datasources', mountPath: '/etc/grafana/provisioning/datasources', readOnly: true },
            { name: 'dashboard-provider', mountPath: '/etc/grafana/provisioning/dashboards', readOnly: true },
            { name: 'dashboards', mountPath: '/var/lib/grafana/dashboards', readOnly: true },
            { name: 'data', mountPath: '/var/lib/grafana' },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
      ],
      volumes: [
        { name: 'datasources', configMap: { name: `${name}-datasources` } },
        { name: 'dashboard-provider', configMap: { name: `${name}-dashboard-provider` } },
        { name: 'dashboards', configMap: { name: `${name}-dashboards` } },
        { name: 'data', emptyDir: {} },
        { name: 'tmp', emptyDir: {} },
      ],
    });
    this.service('GrafanaService', name, [{ name: 'http', port: GRAFANA_PORT }]);
  }

  private tracing(options: TracingAddonOptions): string {
    const name = 'meshform-jaeger';
    const config = {
      service: { extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'], pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] } } },
      extensions: {
        healthcheckv2: { use_v2: true, http: { endpoint: '0.0.0.0:13133' } },
        jaeger_query: { storage: { traces: 'memstore' } },
        jaeger_storage: { backends: { memstore: { memory: { max_traces: options.maxTraces ?? 50_000 } } } },
      },
      receivers: { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` }, http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` } } } },
      processors: { batch: {} },
      exporters: { jaeger_storage_exporter: { trace_storage: 'memstore' } },
    };
    this.configMap('JaegerConfig', name, { 'config.yaml': stringify(config) });
    const health = { httpGet: { path: '/status', port: 13133 } };
    hardenedDeployment(this, 'JaegerDeployment', {
      name,
      namespace: this.namespace,
      labels: { 'app.kubernetes.io/name': name },
      replicas: 1,
      uid: 10001,
      containers: [
        {
          name: 'jaeger',
          image: options.image ?? 'docker.io/jaegertracing/jaeger:2.9.0',
          args: ['--config=/etc/jaeger/config.yaml'],
          ports: [
            { name: 'otlp-http', containerPort: OTLP_HTTP_PORT },
            { name: 'otlp-grpc', containerPort: OTLP_GRPC_PORT },
            { name: 'http-ui', containerPort: JAEGER_UI_PORT },
          ],
          readinessProbe: health,
          livenessProbe: health,
          resources: { requests: { cpu: '50m', memory: '256Mi' }, limits: { memory: '1Gi' } },
          volumeMounts: [{ name: 'config', mountPath: '/etc/jaeger', readOnly: true }],
        },
      ],
      volumes: [{ name: 'config', configMap: { name } }],
    });
    const host = this.service('JaegerService', name, [
      { name: 'otlp-http', port: OTLP_HTTP_PORT },
      { name: 'otlp-grpc', port: OTLP_GRPC_PORT },
      { name: 'http-ui', port: JAEGER_UI_PORT },
    ]);
    return `http://${host}:${OTLP_HTTP_PORT}`;
  }
}
