import type { CapturePlan } from './capture-plan';
import type { Container, PodLike } from './pod';

/** The probe fields of a container, and the path segment the proxy's health port serves each under. */
const PROBES = { livenessProbe: 'livez', readinessProbe: 'readyz', startupProbe: 'startupz' } as const;
type ProbeField = keyof typeof PROBES;

interface KubernetesProbe {
  readonly httpGet?: { readonly port: number | string; readonly path?: string; readonly scheme?: string; readonly httpHeaders?: readonly { name: string; value: string }[] };
  readonly tcpSocket?: { readonly port: number | string };
  readonly grpc?: { readonly port: number; readonly service?: string };
  readonly [timing: string]: unknown;
}

/** What the proxy performs for `/app-health/<key>` (the bootstrap's `appProbes`), against 127.0.0.1. */
export type AppProbe =
  | { readonly httpGet: { readonly port: number; readonly path?: string; readonly scheme?: string; readonly httpHeaders?: readonly { name: string; value: string }[] }; readonly timeoutSeconds?: number }
  | { readonly tcpSocket: { readonly port: number }; readonly timeoutSeconds?: number }
  | { readonly grpc: { readonly port: number; readonly service?: string }; readonly timeoutSeconds?: number };

export interface ProbeRewrite {
  /** Container name → the probe fields to overwrite. */
  readonly containers: Readonly<Record<string, Partial<Record<ProbeField, Record<string, unknown>>>>>;
  /** `<container>/<livez|readyz|startupz>` → the original probe action. */
  readonly appProbes: Readonly<Record<string, AppProbe>>;
}

function portNumber(container: Container, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  const named = ((container['ports'] ?? []) as { name?: string; containerPort?: number }[]).find((p) => p.name === port);
  return named?.containerPort ?? (/^\d+$/.test(port) ? Number(port) : undefined);
}

/** The probe's action with its port resolved; a `host` is dropped, the proxy probes the app on localhost. */
function appProbe(probe: KubernetesProbe, port: number): AppProbe {
  const timeout = typeof probe['timeoutSeconds'] === 'number' ? { timeoutSeconds: probe['timeoutSeconds'] } : {};
  if (probe.httpGet) {
    const { path, scheme, httpHeaders } = probe.httpGet;
    return { httpGet: { port, ...(path ? { path } : {}), ...(scheme ? { scheme } : {}), ...(httpHeaders ? { httpHeaders } : {}) }, ...timeout };
  }
  if (probe.grpc) return { grpc: { port, ...(probe.grpc.service ? { service: probe.grpc.service } : {}) }, ...timeout };
  return { tcpSocket: { port }, ...timeout };
}

/**
 * The kubelet probes from outside the pod in plaintext; on a captured port that lands in the proxy's
 * inbound listener, which under STRICT mTLS refuses it. As Istio does, such probes are rewritten to
 * the proxy's health port, which runs the original probe against the app on localhost.
 */
export function rewriteAppProbes(pod: PodLike, plan: CapturePlan, healthPort: number): ProbeRewrite {
  const captured = new Set(plan.inbound.map((r) => r.app));
  const containers: Record<string, Partial<Record<ProbeField, Record<string, unknown>>>> = {};
  const appProbes: Record<string, AppProbe> = {};
  for (const container of pod.spec.containers) {
    for (const [field, segment] of Object.entries(PROBES) as [ProbeField, string][]) {
      const probe = container[field] as KubernetesProbe | undefined;
      const action = probe?.httpGet ?? probe?.tcpSocket ?? probe?.grpc;
      const port = action && portNumber(container, action.port);
      if (!probe || port === undefined || !captured.has(port)) continue;
      const key = `${container.name}/${segment}`;
      appProbes[key] = appProbe(probe, port);
      const { httpGet: _http, tcpSocket: _tcp, grpc: _grpc, ...timing } = probe;
      (containers[container.name] ??= {})[field] = { ...timing, httpGet: { path: `/app-health/${key}`, port: healthPort, scheme: 'HTTP' } };
    }
  }
  return { containers, appProbes };
}
