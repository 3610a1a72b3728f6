import type { ProxyFigure } from './proxy-figures';

/**
 * Other meshes' sidecars as their projects publish them (docs/cost.md says where and when they
 * were read). Linkerd publishes comparisons at fixed total loads, not a per-sidecar figure per 1000
 * requests per second, so its row has none rather than one derived here.
 */
export const PUBLISHED_FIGURES: readonly ProxyFigure[] = [
  {
    label: 'Istio 1.16 Envoy (published)',
    vcpuPer1000Rps: 0.35,
    memoryMib: 40,
    source: 'https://istio.io/v1.16/docs/ops/deployment/performance-and-scalability/ (Istio 1.16.2 performance summary)',
  },
  {
    label: 'Linkerd (published)',
    vcpuPer1000Rps: null,
    memoryMib: null,
    source: 'https://linkerd.io/2021/11/29/linkerd-vs-istio-benchmarks-2021/ gives totals at fixed loads, no per-sidecar figure per 1000 rps',
  },
];
