/** The goals of issue 8, printed beside each result they judge (never asserted by a test). */
export const GOALS = {
  /** Added over direct by the two-proxy path, at 1000 requests/s. */
  addedP50Ms: 0.5,
  addedP99Ms: 1.5,
  /** Meshform's added latency at most this many times HAProxy's. */
  timesHaproxy: 2,
  /** CPU seconds per 1000 requests = vCPUs per 1000 requests/s, per proxy. */
  cpuPer1000: 0.2,
  rssMb: 60,
  /** Control plane: change → every proxy ACKed, p99 at 1000 services. */
  convergenceP99Ms: 200,
  synth1000Seconds: 10,
} as const;
