import { App, Chart } from 'cdk8s';
import { MeshCrds } from '../constructs';
import { BookinfoMesh } from '../examples/bookinfo';
import type { Environment } from './environments';

/**
 * The platform, defined once: the mesh's CRDs and the example mesh, shaped by one environment.
 * `writeGitOpsFolder` turns it into `dist/<env>/`.
 */
export function buildPlatform(env: Environment): App {
  const app = new App();
  new MeshCrds(new Chart(app, 'crds'), 'Crds');
  const mesh = new Chart(app, 'mesh');
  new BookinfoMesh(mesh, 'Bookinfo', { mtlsMode: env.mtlsMode, tracingSamplingPercent: env.tracingSamplingPercent });
  return app;
}
