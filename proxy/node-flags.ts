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
  // How far V8 lets the old generation grow between full collections rises with the heap's maximum,
  // which Node otherwise derives from the machine's memory (4 GB on a 24 GB host): at 1000 rps over
  // HTTP/2, promoted request garbage piled up to 108-117 MB resident; with any maximum from 64 MB to
  // 1 GB the peak was 77-79 MB, for ~5% more CPU there (more full collections). 512 MB is twice the
  // default container limit (256Mi), so as a cap it is never tighter than the container's.
  '--max-old-space-size=512',
];
