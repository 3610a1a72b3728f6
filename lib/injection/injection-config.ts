import { z } from 'zod';
import { SIDECAR_ADMIN_PORT, SIDECAR_HEALTH_PORT } from '../naming';

const quantity = z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|k|M|G)?$/, 'expected a Kubernetes quantity like "100m" or "128Mi"');
const port = z.number().int().min(1).max(65535);
const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'expected an IPv4 CIDR like "10.0.0.0/8"');

/**
 * How sidecars are injected: the mesh-wide part of the sidecar that is not per pod. Static
 * injection (constructs) and the controller's webhook read the same object, so both produce the
 * same pod.
 */
export const InjectionConfigSchema = z.strictObject({
  /** Image of the proxy (runs `node proxy.js`). */
  proxyImage: z.string().min(1),
  /** Image of the traffic-capture init container; it needs `/bin/sh` and `iptables`. @default proxyImage */
  initImage: z.string().min(1).optional(),
  /**
   * `native`: the proxy is an init container with `restartPolicy: Always` (Kubernetes ≥ 1.29), so
   * the app starts only once the proxy's startup probe passed, and a Job completes when its app
   * containers exit. `classic`: the proxy is the first container and a postStart hook holds the
   * app until the proxy is ready (older clusters; a Job's pod keeps running with its proxy).
   */
  mode: z.enum(['native', 'classic']).default('native'),
  /** xDS address of the controller as `host:port`, spoken over TLS: the host must be a name on the controller's certificate (its Service DNS names). */
  controllerAddress: z.string().regex(/^[^:]+:\d+$/, 'expected host:port').default('meshform-controller.meshform-system.svc:15012'),
  /** UID the proxy runs as; the capture rules let its own connections through. */
  proxyUid: z.number().int().min(1).default(1337),
  /** Proxy admin port, on the pod's loopback only (config dump, drain). */
  adminPort: port.default(SIDECAR_ADMIN_PORT),
  /** Proxy health port on the pod IP: /ready for the kubelet, /stats/prometheus for scraping, /app-health/* for rewritten app probes. */
  healthPort: port.default(SIDECAR_HEALTH_PORT),
  /**
   * Where the proxy binds outbound listeners; captured outbound connections are DNATed here with
   * their destination port kept. Not 127.0.0.1, so an app listening on localhost does not collide.
   */
  outboundIp: z.string().default('127.0.0.6'),
  /** Audience of the projected ServiceAccount token the proxy presents to the controller's CA. */
  tokenAudience: z.string().min(1).default('meshform'),
  /** Lifetime of that token; the kubelet rotates it at 80%. */
  tokenExpirationSeconds: z.number().int().min(600).default(3600),
  /** How long the proxy drains in-flight requests on SIGTERM. */
  drainTimeoutMs: z.number().int().nonnegative().default(5000),
  /** Resources of the proxy container (the init container gets a small fixed share). */
  resources: z
    .strictObject({
      requests: z.strictObject({ cpu: quantity, memory: quantity }),
      limits: z.strictObject({ cpu: quantity.optional(), memory: quantity }),
    })
    .default({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } }),
  /**
   * Outbound ports redirected to the proxy. `mesh`: the ports the mesh's MeshServices and
   * ExternalServices are called on, as injection finds them (the webhook from the API server,
   * static injection from the app); any other port is decided by the mesh's `outboundPolicy` in the
   * pod's own rules: under ALLOW_ANY it goes where it was going, around the sidecar, under
   * REGISTRY_ONLY to the sidecar's BlackHole listener, which refuses it with a log line. The proxy
   * cannot read a redirected connection's original destination (no SO_ORIGINAL_DST in Node), so it
   * could not pass such a connection on itself. `all`: every port (one no mesh service uses is then
   * refused), or a list of ports.
   */
  includeOutboundPorts: z.union([z.literal('all'), z.literal('mesh'), z.array(port)]).default('mesh'),
  /** Outbound ports never redirected (databases outside the mesh). The API server and TCP DNS to the pod's nameservers pass without one. */
  excludeOutboundPorts: z.array(port).default([]),
  /** Destination CIDRs never redirected. */
  excludeOutboundCidrs: z.array(cidr).default([]),
  /** Where proxies export spans (OTLP/HTTP), and how many they sample. @default no tracing */
  tracing: z.strictObject({ otlpEndpoint: z.url(), samplingPercent: z.number().min(0).max(100).default(1) }).optional(),
});

/** The injection config with its defaults applied. */
export type InjectionConfig = z.infer<typeof InjectionConfigSchema>;
/** The injection config as written (defaults optional). */
export type InjectionConfigInput = z.input<typeof InjectionConfigSchema>;

/** Validates the injection config and applies its defaults; throws the zod error with every bad field. */
export function injectionConfig(input: InjectionConfigInput): InjectionConfig {
  return InjectionConfigSchema.parse(input);
}
