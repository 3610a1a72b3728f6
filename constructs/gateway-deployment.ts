import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import {
  BOOTSTRAP_ANNOTATION,
  BOOTSTRAP_FILE,
  GATEWAY_CONTAINER,
  POD_ENV,
  podFieldRef,
  PROMETHEUS_PATH_ANNOTATION,
  PROMETHEUS_PORT_ANNOTATION,
  PROMETHEUS_SCRAPE_ANNOTATION,
  PROXY_CONFIG_DIR,
  proxyConfigVolume,
  proxyNode,
  proxyPodBootstrap,
  type InjectionConfig,
} from '../lib/injection';
import type { GatewayService } from './gateway-service';
import { hardenedDeployment, oneAtATimeDisruptionBudget, spreadOverNodes, type ContainerResources } from './hardened-pod';

/** The first port a process without privileges may bind; listeners below it need the pod's sysctl. */
const FIRST_UNPRIVILEGED_PORT = 1024;

/** What a gateway's Kubernetes objects are made from, settled by the gateway construct. */
export interface GatewayWorkloadOptions {
  /** The MeshGateway's name: also the Deployment's, the Service's and the proxy's workload name. */
  readonly name: string;
  readonly namespace: string;
  readonly role: 'Ingress' | 'Egress';
  /** Labels of the gateway's pods (the MeshGateway's selector). */
  readonly selector: Readonly<Record<string, string>>;
  /** The gateway's identity: `spiffe://<trust domain>/ns/<namespace>/sa/<serviceAccount>`. */
  readonly serviceAccount: string;
  readonly replicas: number;
  /** The listener ports, each once, named as the Service names them. */
  readonly ports: readonly { readonly name: string; readonly port: number }[];
  readonly service: GatewayService;
  readonly resources: ContainerResources;
  /** The mesh's proxy config (image, controller address, token audience, ports, tracing). */
  readonly proxy: InjectionConfig;
}

/**
 * The bootstrap of a gateway proxy: the sidecar's, without traffic capture, and naming the
 * MeshGateway it serves so the controller sends it that gateway's listeners and routes.
 */
function gatewayBootstrap(o: Pick<GatewayWorkloadOptions, 'name' | 'namespace' | 'serviceAccount' | 'selector' | 'proxy'>): Record<string, unknown> {
  const { name, namespace, proxy } = o;
  return {
    // "router" is Istio's node type for gateways: tools that split node ids keep working.
    node: proxyNode('router', { workload: name, namespace, serviceAccount: o.serviceAccount, labels: o.selector }),
    // The gateway role: the controller sends this proxy the MeshGateway's listeners (bound on every address of the pod).
    gateway: `${namespace}/${name}`,
    ...proxyPodBootstrap(proxy, name),
  };
}

/**
 * A gateway's ServiceAccount, hardened Deployment of the meshform proxy in the gateway role,
 * Service, and a PodDisruptionBudget when it has more than one replica.
 */
export function gatewayWorkload(scope: Construct, o: GatewayWorkloadOptions): void {
  const { name, namespace, selector, proxy } = o;
  const labels = { ...selector, 'app.kubernetes.io/component': `${o.role.toLowerCase()}-gateway`, 'app.kubernetes.io/part-of': 'meshform' };
  const meta = (objectName: string) => ({ name: objectName, namespace, labels });
  // Its token is only the projected one the proxy presents to the controller: the gateway never calls the API server.
  new ApiObject(scope, 'ServiceAccount', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(o.serviceAccount), automountServiceAccountToken: false });

  const ready = { httpGet: { path: '/ready', port: proxy.healthPort } };
  const configVolume = 'proxy-config';
  hardenedDeployment(scope, 'Deployment', {
    name,
    namespace,
    labels: selector,
    replicas: o.replicas,
    serviceAccountName: o.serviceAccount,
    uid: proxy.proxyUid,
    annotations: {
      [BOOTSTRAP_ANNOTATION]: JSON.stringify(gatewayBootstrap(o)),
      [PROMETHEUS_SCRAPE_ANNOTATION]: 'true',
      [PROMETHEUS_PORT_ANNOTATION]: String(proxy.healthPort),
      [PROMETHEUS_PATH_ANNOTATION]: '/stats/prometheus',
    },
    ...(o.replicas > 1 ? { affinity: spreadOverNodes(selector) } : {}),
    // Listeners on 80 and 443 without NET_BIND_SERVICE: a namespaced sysctl the restricted standard allows (as Istio's gateways do).
    ...(o.ports.some((p) => p.port < FIRST_UNPRIVILEGED_PORT) ? { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] } : {}),
    containers: [
      {
        // Not the sidecar's container name: `meshform cost` prices sidecars by it, per application pod, and gateways by their requests.
        name: GATEWAY_CONTAINER,
        image: proxy.proxyImage,
        args: ['--bootstrap', `${PROXY_CONFIG_DIR}/${BOOTSTRAP_FILE}`],
        env: Object.entries(POD_ENV).map(([envName, fieldPath]) => ({ name: envName, valueFrom: podFieldRef(fieldPath) })),
        ports: [...o.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })), { name: 'http-health', containerPort: proxy.healthPort, protocol: 'TCP' }],
        startupProbe: { ...ready, periodSeconds: 1, failureThreshold: 120 },
        readinessProbe: { ...ready, periodSeconds: 5, failureThreshold: 3 },
        // /ready stays up once the first config is in (a lost controller does not fail it): failing, the proxy hangs.
        livenessProbe: { ...ready, periodSeconds: 10, failureThreshold: 3 },
        resources: o.resources,
        volumeMounts: [
          { name: configVolume, mountPath: PROXY_CONFIG_DIR, readOnly: true },
          { name: 'tmp', mountPath: '/tmp' },
        ],
      },
    ],
    volumes: [proxyConfigVolume(proxy, configVolume), { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } }],
  });

  new ApiObject(scope, 'Service', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { ...meta(name), ...(Object.keys(o.service.renderAnnotations()).length ? { annotations: o.service.renderAnnotations() } : {}) },
    spec: o.service.renderSpec(selector, o.ports),
  });
  if (o.replicas > 1) oneAtATimeDisruptionBudget(scope, 'DisruptionBudget', meta(name), selector);
}
