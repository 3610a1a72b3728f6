import { App, Chart, YamlOutputType } from 'cdk8s';
import { MeshCrds } from '../constructs';
import { BookinfoMesh } from '../examples/bookinfo';
import type { Environment } from './environments';

/**
 * The platform, defined once: the mesh's CRDs and the example mesh, shaped by one environment.
 * Charts are synthesized in order, so the CRDs land in the first file and `kubectl apply -f`
 * works in one pass.
 */
export function buildPlatform(env: Environment, outdir: string): App {
  const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART, outputFileExtension: '.yaml' });
  new MeshCrds(new Chart(app, 'crds'), 'Crds');
  const mesh = new Chart(app, 'mesh');
  new BookinfoMesh(mesh, 'Bookinfo', { mtlsMode: env.mtlsMode, tracingSamplingPercent: env.tracingSamplingPercent });
  return app;
}
