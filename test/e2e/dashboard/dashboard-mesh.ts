/**
 * The local mesh both dashboard suites look at (the API's and the page's): web; reviews with two
 * versions under a progressive canary; locked, which an AccessPolicy closes to everyone; an ingress
 * sidecar in front, and steady traffic through it to all three.
 */
import { AccessPolicy, CanaryRoute, PolicyTarget } from '../../../constructs';
import type { LocalMesh } from '../../../runner';
import { service, startMesh, steadyLoad } from '../mesh/local-mesh-fixture';

export interface DashboardMesh {
  readonly mesh: LocalMesh;
  /** Stops the traffic (the mesh itself stops with mesh.stop()). */
  readonly stopLoad: () => Promise<void>;
}

/** `canaryInterval`: the time between the canary's steps (a slower one lets a page see each). */
export async function startDashboardMesh(canaryInterval: string): Promise<DashboardMesh> {
  const analysis = { interval: canaryInterval, stepWeight: 25, maxWeight: 50, threshold: 2, successRateMin: 95, latencyP99Max: '1s', minRequests: 5 };
  const { mesh } = await startMesh(
    (chart) => {
      service(chart, 'web');
      const reviews = service(chart, 'reviews', ['v1', 'v2']);
      new CanaryRoute(chart, 'reviews-route', { service: reviews, stable: 'v1', canary: 'v2', analysis });
      const locked = service(chart, 'locked');
      AccessPolicy.denyAll(chart, 'locked-deny-all', { target: PolicyTarget.service(locked) });
    },
    { ingressServiceAccount: 'edge' },
  );
  return { mesh, stopLoad: steadyLoad(mesh, ['web', 'reviews', 'locked']) };
}
