import type { Construct } from 'constructs';
import { version as MESHFORM_VERSION } from '../package.json';
import type { MeshGatewaySpecInput } from '../lib/api';
import { injectionConfig, type InjectionConfig, type InjectionConfigInput } from '../lib/injection';
import { DEFAULT_NAMESPACE, GATEWAY_LABEL } from '../lib/naming';
import { gatewayWorkload } from './gateway-deployment';
import type { Listener } from './gateway-listener';
import type { IGatewayRef } from './gateway-ref';
import { GatewayRoute, type GatewayRouteOptions } from './gateway-route';
import type { GatewayService } from './gateway-service';
import type { ContainerResources } from './hardened-pod';
import { kebabCase, MeshResourceConstruct, type ConstructFinding, type MeshResourceProps } from './mesh-resource';
import { SidecarInjection } from './sidecar-injection';

/** How many replicas a gateway Deployment may have. */
export const GATEWAY_REPLICAS = { min: 1, max: 100 } as const;

/** Props every gateway takes. */
export interface GatewayProps extends MeshResourceProps {
  /**
   * Replicas of the gateway's Deployment; more than one also gets a PodDisruptionBudget and spreads over nodes.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * The service account the gateway's pods run as: its mesh identity.
   * @default the gateway's name
   */
  readonly serviceAccount?: string;
  /**
   * Resources of the gateway's proxy container.
   * @default requests 100m CPU and 128Mi memory, limit 512Mi memory
   */
  readonly resources?: ContainerResources;
  /**
   * The proxy's config (image, controller address, token audience, tracing).
   * @default the config of the app's SidecarInjection (MeshControlPlane adds one) when it exists
   * at construction, else the defaults with image ghcr.io/meshform/proxy:<meshform version>
   */
  readonly proxy?: InjectionConfigInput;
}

/** What differs between an ingress and an egress gateway. */
export interface GatewayVariant {
  readonly role: 'Ingress' | 'Egress';
  readonly listeners: readonly Listener[];
  readonly service: GatewayService;
}

/**
 * A gateway: a MeshGateway resource and the Deployment of the meshform proxy in the gateway role
 * that serves it, with its ServiceAccount, Service and (with replicas) PodDisruptionBudget.
 */
export abstract class GatewayBase extends MeshResourceConstruct<'MeshGateway'> implements IGatewayRef {
  /** Ingress takes traffic into the mesh, Egress out of it. */
  readonly role: 'Ingress' | 'Egress';
  /** The listeners routes can attach to. */
  readonly listeners: readonly Listener[];
  /** The service account the gateway runs as: its mesh identity. */
  readonly serviceAccount: string;
  /** Labels of the gateway's pods. */
  readonly selector: Readonly<Record<string, string>>;
  /** How the gateway's Kubernetes Service exposes it. */
  readonly service: GatewayService;
  private readonly replicas: number;

  protected constructor(scope: Construct, id: string, props: GatewayProps, variant: GatewayVariant) {
    super(scope, id, 'MeshGateway', props);
    this.role = variant.role;
    this.listeners = [...variant.listeners];
    this.service = variant.service;
    this.replicas = props.replicas ?? 1;
    this.serviceAccount = props.serviceAccount ?? this.name;
    this.selector = { [GATEWAY_LABEL]: this.name };
    this.checkNow();
    gatewayWorkload(this, {
      name: this.name,
      namespace: this.namespace ?? DEFAULT_NAMESPACE,
      role: this.role,
      selector: this.selector,
      serviceAccount: this.serviceAccount,
      replicas: this.replicas,
      // Listeners sharing a port share the Service port: the first one names it.
      ports: [...new Map(this.listeners.map((l) => [l.port, l] as const)).values()].map((l) => ({ name: `${l.protocol.toLowerCase()}-${l.port}`, port: l.port })),
      service: this.service,
      resources: props.resources ?? { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
      proxy: proxyConfig(this, props.proxy),
    });
  }

  /**
   * Routes requests arriving at this gateway; the GatewayRoute is named "<gateway>-<id in kebab-case>".
   * Backends are `Backend.service(...)`: MeshServices at an ingress, ExternalServices at an egress.
   */
  addRoute(id: string, options: GatewayRouteOptions): GatewayRoute {
    return new GatewayRoute(this, id, { name: `${this.name}-${kebabCase(id)}`, namespace: this.namespace, ...options, gateway: this });
  }

  protected override renderSpec(): MeshGatewaySpecInput {
    return { role: this.role, selector: { ...this.selector }, serviceAccount: this.serviceAccount, listeners: this.listeners.map((l) => l.toSpec()) };
  }

  protected override constructFindings(): ConstructFinding[] {
    const findings: ConstructFinding[] = [];
    const { min, max } = GATEWAY_REPLICAS;
    if (!Number.isInteger(this.replicas) || this.replicas < min || this.replicas > max) {
      findings.push({ code: 'OUT_OF_RANGE', field: 'replicas', message: `is ${this.replicas}; it must be a whole number from ${min} to ${max}`, limit: `${min}-${max}`, fix: `set replicas to between ${min} and ${max}` });
    }
    const seen = new Map<string, number>();
    const names = new Map<string, number>();
    this.listeners.forEach((l, i) => {
      const key = `${l.port} ${l.hostname ?? '*'}`;
      const same = seen.get(key);
      if (same !== undefined) {
        findings.push({ code: 'DUPLICATE_LISTENER', field: `listeners[${i}]`, message: `listens on port ${l.port} for ${l.hostname ?? 'every host'}, as listeners[${same}] already does`, fix: 'merge the two listeners, or give one of them a different hostname or port' });
      }
      seen.set(key, same ?? i);
      const named = names.get(l.name);
      if (named !== undefined && same === undefined) {
        findings.push({ code: 'DUPLICATE_LISTENER', field: `listeners[${i}].name`, message: `is ${l.name}, as listeners[${named}]'s is; routes attach to a listener by name`, fix: 'give one of the listeners another name' });
      }
      names.set(l.name, named ?? i);
      const certificates = l.toSpec().tls?.certificates;
      if (l.protocol === 'HTTPS' && !certificates?.length) {
        findings.push({ code: 'HTTPS_WITHOUT_CERTIFICATE', field: `listeners[${i}].certificates`, message: `is empty; HTTPS on port ${l.port} needs a certificate to terminate TLS`, limit: '>= 1', fix: `pass certificates: [Certificate.fromSecret('<secret of type kubernetes.io/tls>')], or use Listener.http(${l.port})` });
      }
    });
    return [...findings, ...this.service.findings('service', this.listeners.map((l) => l.port))];
  }
}

/** The proxy config a gateway runs with (see `GatewayProps.proxy`). */
function proxyConfig(scope: Construct, given: InjectionConfigInput | undefined): InjectionConfig {
  if (given) return injectionConfig(given);
  return SidecarInjection.of(scope)?.config ?? injectionConfig({ proxyImage: `ghcr.io/meshform/proxy:${MESHFORM_VERSION}` });
}
