import { App, Chart } from 'cdk8s';
import { MeshControlPlane, MeshCrds, TelemetryAddons } from '../constructs';
import { BookinfoMesh } from '../examples/bookinfo';
import type { Environment } from './environments';

/**
 * The platform, defined once: the mesh's CRDs, its control plane, the telemetry add-ons and the
 * example mesh, shaped by one environment. `writeGitOpsFolder` turns it into `dist/<env>/`.
 */
export function buildPlatform(env: Environment): App {
  const app = new App();
  new MeshCrds(new Chart(app, 'crds'), 'Crds');
  const telemetry = new TelemetryAddons(new Chart(app, 'telemetry'), 'Telemetry', { prometheus: { retention: env.prometheusRetention } });
  new MeshControlPlane(new Chart(app, 'control-plane'), 'ControlPlane', {
    crds: false,
    replicas: env.controllerReplicas,
    resources: env.controllerResources,
    telemetryNamespace: telemetry.namespace,
    ...(telemetry.prometheusUrl ? { prometheusUrl: telemetry.prometheusUrl } : {}),
    ...(telemetry.otlpEndpoint ? { injection: { tracing: { otlpEndpoint: telemetry.otlpEndpoint, samplingPercent: env.tracingSamplingPercent } } } : {}),
  });
  const mesh = new Chart(app, 'mesh');
  new BookinfoMesh(mesh, 'Bookinfo', { mtlsMode: env.mtlsMode, tracingSamplingPercent: env.tracingSamplingPercent, gatewayReplicas: env.gatewayReplicas });
  return app;
}
