import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { SIDECAR_ADMIN_PORT, SIDECAR_HEALTH_PORT } from '../lib/naming';
import type { PlannedGateway } from './gateway-plan';
import { INGRESS_NAME, type PlannedInstance } from './instance-plan';


/** What the runner tells the controller (docs/local-registry.md) and each proxy (its bootstrap). */
export interface ProxyFiles {
  readonly bootstrap: string;
  readonly adminAddress: string;
}

export interface WorkspaceOptions {
  readonly dir: string;
  readonly controllerXds: string;
  /** OTLP/HTTP endpoint for spans, when tracing is collected locally. */
  readonly otlpEndpoint?: string;
}

/**
 * The runner's working folder: the local registry the controller reads (instances, and a token per
 * proxy so the CA knows who asks for a certificate) and one bootstrap per sidecar and gateway.
 */
export class Workspace {
  readonly registryFile: string;
  private workloads: Record<string, unknown>[] = [];

  constructor(private readonly options: WorkspaceOptions) {
    fs.mkdirSync(options.dir, { recursive: true });
    this.registryFile = path.join(options.dir, 'registry.json');
  }

  /** Writes the registry and one bootstrap per sidecar (the ingress included) and gateway; returns the bootstraps by instance name. */
  write(instances: readonly PlannedInstance[], ingress: PlannedInstance, gateways: readonly PlannedGateway[] = []): Map<string, ProxyFiles> {
    const files = new Map<string, ProxyFiles>();
    const workloads: Record<string, unknown>[] = [];
    for (const gateway of gateways) {
      const { tokenFile, identity } = this.token(gateway.name, gateway.serviceAccount);
      // The gateway's endpoints are its listeners' local ports: sidecars reach an egress gateway there.
      workloads.push({ name: gateway.name, namespace: gateway.namespace, address: gateway.address, labels: gateway.labels, ports: gateway.ports, ready: true, ...identity });
      const bootstrap = path.join(this.options.dir, `${gateway.name}.bootstrap.yaml`);
      fs.writeFileSync(bootstrap, stringify(this.gatewayBootstrapOf(gateway, tokenFile)));
      files.set(gateway.name, { bootstrap, adminAddress: `${gateway.address}:${SIDECAR_ADMIN_PORT}` });
    }
    for (const instance of [ingress, ...instances]) {
      const registered: Record<string, unknown> = {
        name: instance.name,
        namespace: instance.namespace,
        address: instance.instanceIp,
        labels: instance.labels,
        // An ingress has no service of its own: it only calls, so it is not an endpoint.
        ready: instance.name !== INGRESS_NAME,
        ...(instance.sidecar ? { app: { address: instance.appIp } } : {}),
      };
      if (instance.sidecar) {
        const { tokenFile, identity } = this.token(instance.name, instance.serviceAccount);
        Object.assign(registered, identity);
        const bootstrap = path.join(this.options.dir, `${instance.name}.bootstrap.yaml`);
        fs.writeFileSync(bootstrap, stringify(this.bootstrapOf(instance, tokenFile)));
        files.set(instance.name, { bootstrap, adminAddress: `${instance.instanceIp}:${SIDECAR_ADMIN_PORT}` });
      }
      workloads.push(registered);
    }
    this.workloads = workloads;
    this.writeRegistry();
    return files;
  }

  /**
   * Marks an instance's endpoint ready or not, as Kubernetes does for a pod whose container died
   * and came back: peers stop sending to it until it serves again.
   */
  setReady(name: string, ready: boolean): void {
    const workload = this.workloads.find((w) => w.name === name);
    if (!workload || name === INGRESS_NAME || workload.ready === ready) return;
    workload.ready = ready;
    this.writeRegistry();
  }

  /** Written whole and renamed, so the controller never reads half a file. */
  private writeRegistry(): void {
    const temp = `${this.registryFile}.tmp`;
    fs.writeFileSync(temp, JSON.stringify({ version: 1, workloads: this.workloads }, null, 2));
    fs.renameSync(temp, this.registryFile);
  }

  /** A proxy's token file, and the identity the registry says it proves. */
  private token(name: string, serviceAccount: string): { tokenFile: string; identity: { serviceAccount: string; tokenSha256: string } } {
    const token = randomBytes(32).toString('hex');
    const tokenFile = path.join(this.options.dir, `${name}.token`);
    fs.writeFileSync(tokenFile, token, { mode: 0o600 });
    return { tokenFile, identity: { serviceAccount, tokenSha256: createHash('sha256').update(token).digest('hex') } };
  }

  /** A gateway's bootstrap: the gateway role, its listeners bound on its address at their local ports. */
  private gatewayBootstrapOf(gateway: PlannedGateway, tokenFile: string): Record<string, unknown> {
    return {
      node: {
        id: `router~${gateway.address}~${gateway.name}.${gateway.namespace}~${gateway.namespace}.svc.cluster.local`,
        cluster: gateway.name,
        metadata: { SERVICE_ACCOUNT: gateway.serviceAccount, LABELS: gateway.labels, OUTBOUND_IP: gateway.address, OUTBOUND_PORTS: gateway.ports },
      },
      gateway: `${gateway.namespace}/${gateway.gateway}`,
      ...this.commonBootstrap(gateway.address, tokenFile, gateway.name),
    };
  }

  private commonBootstrap(address: string, tokenFile: string, serviceName: string): Record<string, unknown> {
    return {
      // Proxies start with the controller: retry fast until it listens.
      controller: { address: this.options.controllerXds, initialBackoffMs: 50, maxBackoffMs: 500 },
      admin: { address, port: SIDECAR_ADMIN_PORT },
      health: { address, port: SIDECAR_HEALTH_PORT },
      tokenPath: tokenFile,
      drainTimeoutMs: 2_000,
      ...(this.options.otlpEndpoint ? { tracing: { otlpEndpoint: this.options.otlpEndpoint, serviceName } } : {}),
    };
  }

  private bootstrapOf(instance: PlannedInstance, tokenFile: string): Record<string, unknown> {
    return {
      node: {
        id: `sidecar~${instance.instanceIp}~${instance.name}.${instance.namespace}~${instance.namespace}.svc.cluster.local`,
        cluster: instance.service,
        metadata: {
          NAMESPACE: instance.namespace,
          SERVICE_ACCOUNT: instance.serviceAccount,
          WORKLOAD: instance.service,
          LABELS: instance.labels,
          INSTANCE_IP: instance.instanceIp,
          OUTBOUND_IP: instance.outboundIp,
        },
      },
      ...this.commonBootstrap(instance.instanceIp, tokenFile, instance.service),
    };
  }
}
