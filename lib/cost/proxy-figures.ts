import { z } from 'zod';

/** What one sidecar costs under load: CPU per 1000 requests per second and memory, with where the figures come from. */
export interface ProxyFigure {
  readonly label: string;
  /** vCPUs the sidecar keeps busy per 1000 requests per second through it (= CPU seconds per 1000 requests); null when none is published. */
  readonly vcpuPer1000Rps: number | null;
  /** Its memory in MiB; null when none is published. */
  readonly memoryMib: number | null;
  readonly source: string;
}

// Only the fields read here (bench/proxy-overhead.ts has the whole shape); other fields are let through.
const usage = z.object({ role: z.string(), cpuSecondsPer1000: z.number().nonnegative(), peakRssMb: z.number().nonnegative() });
const benchRun = z.object({
  startedAt: z.string(),
  scenarios: z.object({
    proxy: z.object({ ok: z.boolean(), results: z.object({ latency: z.array(z.object({ protocol: z.enum(['http1', 'h2']), path: z.string(), proxies: z.array(usage) })) }).optional() }).optional(),
  }),
});

const PROTOCOL_NAMES = { http1: 'HTTP/1.1', h2: 'HTTP/2' } as const;

/**
 * The Meshform sidecar's figures in one run of `npm run bench` (bench/results/bench-*.json), one per
 * protocol; undefined when the run holds no proxy results. A pod's one sidecar is both the outbound
 * proxy of its calls and the inbound proxy of its requests; the larger of the two roles is taken.
 */
export function benchProxyFigures(run: unknown, file: string): ProxyFigure[] | undefined {
  const parsed = benchRun.safeParse(run);
  const proxy = parsed.success ? parsed.data.scenarios.proxy : undefined;
  if (!parsed.success || !proxy?.ok || !proxy.results) return undefined;
  const rows = proxy.results.latency.filter((r) => r.path === 'Meshform' && r.proxies.length > 0);
  if (rows.length === 0) return undefined;
  return rows.map((r) => ({
    label: `Meshform ${PROTOCOL_NAMES[r.protocol]} (measured)`,
    vcpuPer1000Rps: Math.max(...r.proxies.map((p) => p.cpuSecondsPer1000)),
    memoryMib: Math.max(...r.proxies.map((p) => p.peakRssMb)),
    source: `${file} (bench run started ${parsed.data.startedAt})`,
  }));
}
