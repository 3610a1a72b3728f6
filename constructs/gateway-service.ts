import type { ConstructFinding } from './mesh-resource';

/** The range Kubernetes allocates node ports from unless the API server is told otherwise. */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

/** Options of a LoadBalancer Service. */
export interface LoadBalancerServiceOptions {
  /**
   * Annotations the cloud's load balancer controller reads (internal scheme, health checks, …).
   * @default none
   */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * `Local` keeps the client's source address (for access policies and logs) by sending traffic
   * only to nodes that run a gateway pod; `Cluster` spreads it over every node.
   * @default 'Cluster'
   */
  readonly externalTrafficPolicy?: 'Cluster' | 'Local';
}

/** How a gateway's Kubernetes Service exposes it: `LoadBalancer`, `NodePort` or `ClusterIP`. */
export class GatewayService {
  /** A cloud load balancer in front of the gateway (the usual way in from the internet). */
  static loadBalancer(options: LoadBalancerServiceOptions = {}): GatewayService {
    return new GatewayService('LoadBalancer', options.annotations ?? {}, {}, options.externalTrafficPolicy);
  }

  /**
   * A port on every node (bare-metal clusters, an external load balancer you run yourself).
   * @param nodePorts the node port of each listener port, like `{ 443: 30443 }`; @default chosen by Kubernetes
   */
  static nodePort(nodePorts: Readonly<Record<number, number>> = {}): GatewayService {
    return new GatewayService('NodePort', {}, nodePorts, undefined);
  }

  /** Reachable only inside the cluster (an egress gateway, or an ingress behind another proxy). */
  static clusterIp(): GatewayService {
    return new GatewayService('ClusterIP', {}, {}, undefined);
  }

  private constructor(
    /** The Service type. */
    readonly type: 'LoadBalancer' | 'NodePort' | 'ClusterIP',
    private readonly annotations: Readonly<Record<string, string>>,
    private readonly nodePorts: Readonly<Record<number, number>>,
    private readonly externalTrafficPolicy: 'Cluster' | 'Local' | undefined,
  ) {}

  /** What is wrong with this Service for a gateway listening on `ports`; `field` names the prop. */
  findings(field: string, ports: readonly number[]): ConstructFinding[] {
    return Object.entries(this.nodePorts).flatMap(([port, nodePort]): ConstructFinding[] => {
      const at = `${field}.nodePorts[${port}]`;
      if (!ports.includes(Number(port))) {
        return [{ code: 'UNKNOWN_PORT', field: at, message: `sets a node port for ${port}, which no listener uses`, limit: ports.join(', '), fix: `use one of the listener ports ${ports.join(', ')}` }];
      }
      if (!Number.isInteger(nodePort) || nodePort < NODE_PORT_RANGE.min || nodePort > NODE_PORT_RANGE.max) {
        const range = `${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`;
        return [{ code: 'OUT_OF_RANGE', field: at, message: `is ${nodePort}, outside the node port range ${range}`, limit: range, fix: `use a node port in ${range}, or leave it out for Kubernetes to choose` }];
      }
      return [];
    });
  }

  /** The Service's metadata annotations. */
  renderAnnotations(): Record<string, string> {
    return { ...this.annotations };
  }

  /** The Service spec for a gateway whose pods carry `selector` and listen on `ports`. */
  renderSpec(selector: Readonly<Record<string, string>>, ports: readonly { readonly name: string; readonly port: number }[]): Record<string, unknown> {
    return {
      type: this.type,
      selector: { ...selector },
      ports: ports.map(({ name, port }) => ({
        name,
        port,
        targetPort: port,
        protocol: 'TCP',
        ...(this.nodePorts[port] !== undefined ? { nodePort: this.nodePorts[port] } : {}),
      })),
      ...(this.externalTrafficPolicy !== undefined ? { externalTrafficPolicy: this.externalTrafficPolicy } : {}),
    };
  }
}
