/**
 * The Node flags every sidecar runs with: the image's ENTRYPOINT (proxy/Dockerfile, which a unit
 * test holds to this list), local mode (runner/local-mesh.ts) and the benchmarks. They go on the
 * command line, where any flag is accepted (NODE_OPTIONS refuses most V8 flags). Measured figures
 * and the flags left out are in proxy/README.md ("Memory").
 */
export const SIDECAR_NODE_FLAGS: readonly string[] = [
  // The young generation's semi-spaces grow to 8 MB each under allocation and stay committed: with
  // 1 MB a sidecar holds ~6 MB less idle and ~14 MB less at 1000 rps, for more (0.2 ms) scavenges.
  '--max-semi-space-size=1',
  // One V8 worker thread instead of four: each thread's malloc arena stays resident (-2 MB idle,
  // -5 MB at 1000 rps); concurrent marking and compilation still run off the main thread.
  '--v8-pool-size=1',
];
