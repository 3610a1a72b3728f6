import {
  BOOTSTRAP_ANNOTATION,
  CAPTURED_OUTBOUND_PORTS_ANNOTATION,
  EXCLUDE_OUTBOUND_CIDRS_ANNOTATION,
  EXCLUDE_OUTBOUND_PORTS_ANNOTATION,
  INCLUDE_OUTBOUND_PORTS_ANNOTATION,
  INJECTED_ANNOTATION,
  MESHED_LABEL,
  PROMETHEUS_PATH_ANNOTATION,
  PROMETHEUS_PORT_ANNOTATION,
  PROMETHEUS_SCRAPE_ANNOTATION,
  SERVICE_ANNOTATION,
} from './annotations';
import type { InjectionConfig } from './injection-config';
import { podFieldRef, type Container, type PodLike, type Volume } from './pod';
import { CA_ROOT_CONFIGMAP, CA_ROOT_KEY } from './ca-root';
import { BOOTSTRAP_FILE, POD_ENV, PROXY_CONFIG_DIR, proxyBootstrap, TOKEN_FILE } from './proxy-bootstrap';
import { rewriteAppProbes, type ProbeRewrite } from './app-probes';
import { capturePlan } from './capture-plan';
import { EMPTY_MESH_CAPTURE, type MeshCapture } from './mesh-capture';
import { parseCidrList, parsePortList } from './port-lists';
import { capturedOutboundPorts, trafficCaptureScript, type CaptureOverrides } from './traffic-capture';

export const PROXY_CONTAINER = 'meshform-proxy';
/** The proxy's container in a gateway's own pod: not the sidecar's name, since a gateway is not an application pod's sidecar. */
export const GATEWAY_CONTAINER = 'gateway';
export const INIT_CONTAINER = 'meshform-init';
const CONFIG_VOLUME = 'meshform-proxy-config';
const TMP_VOLUME = 'meshform-proxy-tmp';

/** What injection adds to a pod: containers go first (the proxy must start before the app), volumes, labels and annotations are added. */
export interface Sidecar {
  /** Prepended to `spec.initContainers`, in this order. */
  readonly initContainers: readonly Container[];
  /** Prepended to `spec.containers` (classic mode only). */
  readonly containers: readonly Container[];
  /** Appended to `spec.volumes`. */
  readonly volumes: readonly Volume[];
  /** Added to `metadata.labels`. */
  readonly labels: Readonly<Record<string, string>>;
  /** Added to `metadata.annotations`. */
  readonly annotations: Readonly<Record<string, string>>;
  /** Probes of the app containers, by container name, overwritten to go through the proxy's health port. */
  readonly probes: ProbeRewrite['containers'];
}

/** Where the pod lives: a Pod in an AdmissionReview may not carry its namespace, a template never does. */
export interface PodContext {
  readonly namespace: string;
  /** The mesh's ports and outbound policy as injection knows them now. @default no MeshServices yet (nothing captured outbound), ALLOW_ANY */
  readonly mesh?: MeshCapture;
}

/** The MeshService a pod belongs to: the explicit annotation, else the `app` labels, else its service account. */
export function workloadOf(pod: PodLike): string {
  const { annotations = {}, labels = {} } = pod.metadata ?? {};
  return annotations[SERVICE_ANNOTATION] ?? labels['app'] ?? labels['app.kubernetes.io/name'] ?? pod.spec.serviceAccountName ?? 'default';
}

const HARDENED = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  seccompProfile: { type: 'RuntimeDefault' },
};

/**
 * The sidecar for one pod: the single definition behind static injection (constructs) and the
 * controller's webhook. Pure: the same pod and config always give the same result.
 */
export function sidecarFor(pod: PodLike, context: PodContext, config: InjectionConfig): Sidecar {
  const annotations = pod.metadata?.annotations ?? {};
  const workload = workloadOf(pod);
  const capture = capturePlan(pod);
  const probes = rewriteAppProbes(pod, capture, config.healthPort);
  const bootstrap = proxyBootstrap(
    { workload, namespace: context.namespace, serviceAccount: pod.spec.serviceAccountName ?? 'default', labels: pod.metadata?.labels ?? {}, capture, appProbes: probes.appProbes },
    config,
  );
  const mesh = context.mesh ?? EMPTY_MESH_CAPTURE;
  const overrides: CaptureOverrides = {
    excludeOutboundPorts: parsePortList(annotations[EXCLUDE_OUTBOUND_PORTS_ANNOTATION], EXCLUDE_OUTBOUND_PORTS_ANNOTATION),
    excludeOutboundCidrs: parseCidrList(annotations[EXCLUDE_OUTBOUND_CIDRS_ANNOTATION], EXCLUDE_OUTBOUND_CIDRS_ANNOTATION),
    includeOutboundPorts: parsePortList(annotations[INCLUDE_OUTBOUND_PORTS_ANNOTATION], INCLUDE_OUTBOUND_PORTS_ANNOTATION),
  };
  const captured = capturedOutboundPorts(config, mesh, overrides);
  const ready = { httpGet: { path: '/ready', port: config.healthPort } };
  const proxy: Container = {
    name: PROXY_CONTAINER,
    image: config.proxyImage,
    args: ['--bootstrap', `${PROXY_CONFIG_DIR}/${BOOTSTRAP_FILE}`],
    ...(config.mode === 'native' ? { restartPolicy: 'Always' } : {}),
    env: Object.entries(POD_ENV).map(([name, fieldPath]) => ({ name, valueFrom: podFieldRef(fieldPath) })),
    ports: [{ name: 'http-health', containerPort: config.healthPort, protocol: 'TCP' }],
    // Up to two minutes for the first config from the controller; only then do app containers start.
    startupProbe: { ...ready, periodSeconds: 1, failureThreshold: 120 },
    readinessProbe: { ...ready, periodSeconds: 5, failureThreshold: 3 },
    ...(config.mode === 'classic'
      ? {
          // The kubelet starts the next container only when this hook returns: the app waits for the proxy.
          lifecycle: { postStart: { exec: { command: ['node', '-e', holdUntilReadyScript(config.adminPort)] } } },
        }
      : {}),
    resources: config.resources,
    securityContext: { ...HARDENED, runAsUser: config.proxyUid, runAsGroup: config.proxyUid, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
    volumeMounts: [
      { name: CONFIG_VOLUME, mountPath: PROXY_CONFIG_DIR, readOnly: true },
      { name: TMP_VOLUME, mountPath: '/tmp' },
    ],
  };
  const init: Container = {
    name: INIT_CONTAINER,
    image: config.initImage ?? config.proxyImage,
    command: ['/bin/sh', '-c', trafficCaptureScript(config, capture, mesh, overrides)],
    // iptables takes its lock under /run by default, which is read-only here.
    env: [{ name: 'XTABLES_LOCKFILE', value: '/tmp/xtables.lock' }],
    resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
    // The only container with capabilities: changing the pod's netfilter rules needs NET_ADMIN (and NET_RAW for iptables' sockets), as root.
    securityContext: { ...HARDENED, runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW'] } },
    volumeMounts: [{ name: TMP_VOLUME, mountPath: '/tmp' }],
  };
  const volumes: Volume[] = [proxyConfigVolume(config, CONFIG_VOLUME), { name: TMP_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } }];
  return {
    initContainers: config.mode === 'native' ? [init, proxy] : [init],
    containers: config.mode === 'classic' ? [proxy] : [],
    volumes,
    labels: { [MESHED_LABEL]: 'true' },
    annotations: {
      [INJECTED_ANNOTATION]: config.mode,
      [SERVICE_ANNOTATION]: workload,
      [BOOTSTRAP_ANNOTATION]: JSON.stringify(bootstrap),
      [CAPTURED_OUTBOUND_PORTS_ANNOTATION]: captured === 'all' ? 'all' : captured.join(','),
      // Pods that already ask to be scraped keep their own port and path.
      ...(annotations[PROMETHEUS_SCRAPE_ANNOTATION] === undefined
        ? { [PROMETHEUS_SCRAPE_ANNOTATION]: 'true', [PROMETHEUS_PORT_ANNOTATION]: String(config.healthPort), [PROMETHEUS_PATH_ANNOTATION]: '/stats/prometheus' }
        : {}),
    },
    probes: probes.containers,
  };
}

/**
 * The volume a proxy mounts at PROXY_CONFIG_DIR, a sidecar's or a gateway's: its identity token,
 * its bootstrap from the pod's annotation, and the controller's CA root.
 */
export function proxyConfigVolume(config: InjectionConfig, name: string): Volume {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { audience: config.tokenAudience, expirationSeconds: config.tokenExpirationSeconds, path: TOKEN_FILE } },
        { downwardAPI: { items: [{ path: BOOTSTRAP_FILE, ...podFieldRef(`metadata.annotations['${BOOTSTRAP_ANNOTATION}']`) }] } },
        // Not optional: until the controller has published it the pod waits, as it could not verify the controller anyway.
        { configMap: { name: CA_ROOT_CONFIGMAP, items: [{ key: CA_ROOT_KEY, path: CA_ROOT_KEY }] } },
      ],
    },
  };
}

/** A postStart hook body: poll the proxy's /ready for up to two minutes, failing the container (so the kubelet restarts it) if it never gets there. */
function holdUntilReadyScript(adminPort: number): string {
  return [
    `const deadline = Date.now() + 120000;`,
    `const poll = () => require('http').get('http://127.0.0.1:${adminPort}/ready', (r) => { r.resume(); r.statusCode === 200 ? process.exit(0) : retry(); }).on('error', retry);`,
    `const retry = () => (Date.now() > deadline ? process.exit(1) : setTimeout(poll, 200));`,
    `poll();`,
  ].join(' ');
}
