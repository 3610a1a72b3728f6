/** The goals the benchmark prints beside each result it judges (issue 13's; never asserted by a test). */
export const GOALS = {
  /** Meshform's added p50 and, separately, its added p99 at most this many times HAProxy's. */
  timesHaproxy: 2,
  /** Closed-loop requests per proxy core at least this share of HAProxy's. */
  closedLoopShareOfHaproxy: 1 / 3,
  /** CPU seconds per 1000 requests = vCPUs per 1000 requests/s, per proxy. */
  cpuPer1000: 0.2,
  rssMb: 60,
  /** Control plane: change → every proxy ACKed, p99 at 1000 services. */
  convergenceP99Ms: 200,
  /** Synth of 1000 services: time and added memory, each at most this many times the cdk8s-plus baseline's. */
  synthTimesBaseline: 2,
} as const;
