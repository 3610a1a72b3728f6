import { App, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TelemetryAddons, type TelemetryAddonsProps } from '../../../constructs';
import { MESH_DASHBOARDS } from '../../../constructs/grafana-dashboards';
import { expectHardenedPods } from './hardened';

function synth(props: TelemetryAddonsProps = {}): { objects: any[]; addons: TelemetryAddons } {
  const chart = new Chart(new App(), 'telemetry');
  const addons = new TelemetryAddons(chart, 'Telemetry', props);
  return { objects: Testing.synth(chart), addons };
}

const configMap = (objects: any[], name: string) => objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);

describe('TelemetryAddons', () => {
  it('synthesizes Prometheus, Grafana and Jaeger (dev)', () => {
    expect(synth({ prometheus: { retention: '2d' } }).objects).toMatchSnapshot();
  });

  it('synthesizes only Prometheus when Grafana and tracing are off (prod-like)', () => {
    const { objects, addons } = synth({ prometheus: { retention: '30d', scrapeInterval: '30s' }, grafana: false, tracing: false });
    expect(objects.filter((o) => o.kind === 'Deployment').map((d) => d.metadata.name)).toEqual(['meshform-prometheus']);
    expect(addons.otlpEndpoint).toBeUndefined();
    expect(objects).toMatchSnapshot();
  });

  it('tells the control plane where proxies export spans', () => {
    expect(synth().addons.otlpEndpoint).toBe('http://meshform-jaeger.meshform-telemetry.svc:4318');
  });

  it('refuses Grafana without Prometheus, naming the construct', () => {
    expect(() => synth({ prometheus: false })).toThrow(/telemetry\/Telemetry: grafana needs prometheus/);
  });

  it('keeps samples for the configured retention and scrapes injected proxies by annotation and the controller on its metrics port (the admin port is not open to this namespace)', () => {
    const { objects } = synth({ prometheus: { retention: '7d' } });
    const prometheus = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'meshform-prometheus');
    expect(prometheus.spec.template.spec.containers[0].args).toContain('--storage.tsdb.retention.time=7d');
    const config = parse(configMap(objects, 'meshform-prometheus').data['prometheus.yml']);
    const [proxies, controller] = config.scrape_configs;
    expect(proxies.relabel_configs[0]).toEqual({ source_labels: ['__meta_kubernetes_pod_annotation_meshform_dev_injected'], regex: '.+', action: 'keep' });
    expect(proxies.relabel_configs.map((r: any) => r.target_label)).toEqual(expect.arrayContaining(['__address__', '__metrics_path__']));
    expect(controller.job_name).toBe('meshform-controller');
    expect(controller.kubernetes_sd_configs[0].namespaces.names).toEqual(['meshform-system']);
    expect(controller.relabel_configs).toContainEqual({ source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: 'http-metrics', action: 'keep' });
  });

  it('grants Prometheus pod discovery only', () => {
    const role = synth().objects.find((o) => o.kind === 'ClusterRole');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
  });

  it('provisions the three dashboards generated from code, each panel querying Prometheus', () => {
    const data = configMap(synth().objects, 'meshform-grafana-dashboards').data;
    expect(Object.keys(data).sort()).toEqual(['meshform-control-plane.json', 'meshform-overview.json', 'meshform-service.json']);
    for (const [file, text] of Object.entries<string>(data)) {
      const dashboard = JSON.parse(text);
      expect(dashboard.panels.length, file).toBeGreaterThan(3);
      for (const panel of dashboard.panels) {
        expect(panel.targets.length, `${file} ${panel.title}`).toBeGreaterThan(0);
        for (const t of panel.targets) expect(t.datasource.uid).toBe('meshform-prometheus');
      }
    }
    expect(JSON.parse(data['meshform-service.json']).templating.list[0].name).toBe('service');
    expect(MESH_DASHBOARDS.map((d) => d.uid)).toEqual(['meshform-overview', 'meshform-service', 'meshform-control-plane']);
  });

  it('runs every add-on pod hardened', () => {
    expectHardenedPods(synth().objects);
  });
});
