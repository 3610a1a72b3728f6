/**
 * The Grafana dashboards TelemetryAddons provisions, generated here rather than exported from a
 * Grafana UI, so their PromQL is reviewed with the code and checked against the metric names the
 * proxy (`proxy/telemetry/metrics.ts`) and the controller (`controller/metrics.ts`) export.
 */

/** One time-series panel. */
export interface PanelSpec {
  readonly title: string;
  /** PromQL, one series set per expression; `legend` names each series. */
  readonly queries: readonly { readonly expr: string; readonly legend: string }[];
  /** Grafana unit (`reqps`, `s`, `percentunit`, `short`, `bytes`). */
  readonly unit: string;
}

/** A dashboard: a title, a stable uid (links survive re-provisioning) and its panels. */
export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly PanelSpec[];
  /** A `service` variable over the proxies' destination services. */
  readonly perService?: boolean;
}

const RATE = '[5m]';
const inbound = (extra = '') => `direction="inbound"${extra}`;
const service = ',destination_service=~"$service"';

function latency(quantile: number, selector: string, by = ''): string {
  return `histogram_quantile(${quantile}, sum by (le${by}) (rate(meshform_request_duration_seconds_bucket{${selector}}${RATE})))`;
}

function successRatio(selector: string, by = ''): string {
  const sum = by ? `sum by (${by})` : 'sum';
  return `${sum} (rate(meshform_requests_total{${selector},response_code!~"5.."}${RATE})) / ${sum} (rate(meshform_requests_total{${selector}}${RATE}))`;
}

/** Requests, success and latency of the whole mesh, then per service, then the data plane's config health. */
const MESH_OVERVIEW: DashboardSpec = {
  uid: 'meshform-overview',
  title: 'Meshform / Mesh overview',
  panels: [
    { title: 'Requests per second', unit: 'reqps', queries: [{ expr: `sum(rate(meshform_requests_total{${inbound()}}${RATE}))`, legend: 'mesh' }] },
    { title: 'Success rate (non-5xx)', unit: 'percentunit', queries: [{ expr: successRatio(inbound()), legend: 'mesh' }] },
    {
      title: 'Latency',
      unit: 's',
      queries: [0.5, 0.9, 0.99].map((q) => ({ expr: latency(q, inbound()), legend: `p${q * 100}` })),
    },
    { title: 'Requests per second by service', unit: 'reqps', queries: [{ expr: `sum by (destination_service) (rate(meshform_requests_total{${inbound()}}${RATE}))`, legend: '{{destination_service}}' }] },
    { title: 'Success rate by service', unit: 'percentunit', queries: [{ expr: successRatio(inbound(), 'destination_service'), legend: '{{destination_service}}' }] },
    { title: 'Proxies connected to the controller', unit: 'short', queries: [{ expr: 'sum(meshform_controller_connected)', legend: 'connected' }, { expr: 'count(meshform_controller_connected)', legend: 'running' }] },
    { title: 'Config rejected by proxies (NACK)', unit: 'short', queries: [{ expr: `sum by (type) (increase(meshform_config_rejections_total${RATE}))`, legend: '{{type}}' }] },
    { title: 'Outlier ejections', unit: 'short', queries: [{ expr: `sum by (cluster) (increase(meshform_outlier_ejections_total${RATE}))`, legend: '{{cluster}}' }] },
  ],
};

/** The four golden signals of one service, from its callers' and its own sidecars. */
const GOLDEN_SIGNALS: DashboardSpec = {
  uid: 'meshform-service',
  title: 'Meshform / Service golden signals',
  perService: true,
  panels: [
    { title: 'Traffic', unit: 'reqps', queries: [{ expr: `sum by (route) (rate(meshform_requests_total{${inbound(service)}}${RATE}))`, legend: '{{route}}' }] },
    {
      title: 'Errors by response code',
      unit: 'reqps',
      queries: [{ expr: `sum by (response_code, response_flags) (rate(meshform_requests_total{${inbound(service)},response_code=~"[45].."}${RATE}))`, legend: '{{response_code}} {{response_flags}}' }],
    },
    { title: 'Latency', unit: 's', queries: [0.5, 0.9, 0.99].map((q) => ({ expr: latency(q, inbound(service)), legend: `p${q * 100}` })) },
    { title: 'Success rate seen by callers', unit: 'percentunit', queries: [{ expr: successRatio(`direction="outbound"${service}`), legend: 'outbound' }] },
    {
      title: 'Saturation: upstream connections and circuit-breaker overflows',
      unit: 'short',
      queries: [
        { expr: 'sum by (cluster) (meshform_upstream_connections{cluster=~".*$service.*"})', legend: 'connections {{cluster}}' },
        { expr: `sum by (cluster, limit) (rate(meshform_upstream_overflows_total{cluster=~".*$service.*"}${RATE}))`, legend: 'overflow {{limit}} {{cluster}}' },
      ],
    },
    { title: 'Retries', unit: 'reqps', queries: [{ expr: `sum by (cluster) (rate(meshform_upstream_retries_total{cluster=~".*$service.*"}${RATE}))`, legend: '{{cluster}}' }] },
    {
      title: 'Request and response sizes (p90)',
      unit: 'bytes',
      queries: [
        { expr: `histogram_quantile(0.9, sum by (le) (rate(meshform_request_size_bytes_bucket{${inbound(service)}}${RATE})))`, legend: 'request' },
        { expr: `histogram_quantile(0.9, sum by (le) (rate(meshform_response_size_bytes_bucket{${inbound(service)}}${RATE})))`, legend: 'response' },
      ],
    },
  ],
};

/** Is the controller keeping up: streams, pushes and their latency, rejections, invalid resources, the CA, its process. */
const CONTROL_PLANE: DashboardSpec = {
  uid: 'meshform-control-plane',
  title: 'Meshform / Control plane health',
  panels: [
    { title: 'Connected proxies (ADS streams)', unit: 'short', queries: [{ expr: 'sum(meshform_xds_connected_proxies)', legend: 'streams' }] },
    { title: 'xDS pushes by type', unit: 'ops', queries: [{ expr: `sum by (type) (rate(meshform_xds_pushes_total${RATE}))`, legend: '{{type}}' }] },
    { title: 'Push latency (p99)', unit: 's', queries: [{ expr: `histogram_quantile(0.99, sum by (le, type) (rate(meshform_xds_push_latency_seconds_bucket${RATE})))`, legend: '{{type}}' }] },
    {
      title: 'ACKs and NACKs',
      unit: 'ops',
      queries: [
        { expr: `sum by (type) (rate(meshform_xds_acks_total${RATE}))`, legend: 'ACK {{type}}' },
        { expr: `sum by (type) (rate(meshform_xds_nacks_total${RATE}))`, legend: 'NACK {{type}}' },
      ],
    },
    {
      title: 'Invalid resources and translation issues',
      unit: 'short',
      queries: [
        { expr: 'max(meshform_invalid_resources)', legend: 'invalid resources' },
        { expr: 'sum by (code) (max by (code) (meshform_translation_issues))', legend: '{{code}}' },
      ],
    },
    {
      title: 'Certificates',
      unit: 'ops',
      queries: [
        { expr: `sum(rate(meshform_ca_certificates_issued_total${RATE}))`, legend: 'issued' },
        { expr: `sum by (reason) (rate(meshform_sds_denied_total${RATE}))`, legend: 'denied {{reason}}' },
      ],
    },
    { title: 'Controller memory', unit: 'bytes', queries: [{ expr: 'process_resident_memory_bytes{job="meshform-controller"}', legend: '{{pod}}' }] },
    { title: 'Controller CPU', unit: 'short', queries: [{ expr: `rate(process_cpu_seconds_total{job="meshform-controller"}${RATE})`, legend: '{{pod}}' }] },
  ],
};

/** Every dashboard, in provisioning order. */
export const MESH_DASHBOARDS: readonly DashboardSpec[] = [MESH_OVERVIEW, GOLDEN_SIGNALS, CONTROL_PLANE];

/** The Grafana dashboard JSON model of a spec (two panels per row), querying the datasource with uid `datasourceUid`. */
export function grafanaDashboard(spec: DashboardSpec, datasourceUid: string): Record<string, unknown> {
  const datasource = { type: 'prometheus', uid: datasourceUid };
  return {
    uid: spec.uid,
    title: spec.title,
    tags: ['meshform'],
    schemaVersion: 39,
    editable: false,
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
    templating: {
      list: spec.perService
        ? [{ name: 'service', label: 'Service', type: 'query', datasource, query: { query: 'label_values(meshform_requests_total, destination_service)', refId: 'service' }, refresh: 2, includeAll: false, multi: false }]
        : [],
    },
    panels: spec.panels.map((panel, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: panel.title,
      datasource,
      gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
      fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
      targets: panel.queries.map((q, j) => ({ refId: String.fromCharCode(65 + j), datasource, expr: q.expr, legendFormat: q.legend })),
    })),
  };
}
