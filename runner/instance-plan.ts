import type { MeshResource } from '../lib/api';
import { MeshModel } from '../lib/model';

/** One process pair the local runner starts: an application and (when meshed) its sidecar. */
export interface PlannedInstance {
  /** `reviews-v2-0`: service, version, replica. */
  readonly name: string;
  readonly namespace: string;
  readonly service: string;
  readonly version?: string;
  /** Pod labels: the service selector plus the version's labels. */
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly sidecar: boolean;
  /** The "pod IP": its sidecar's inbound listeners bind here, callers reach it here. */
  readonly instanceIp: string;
  /** Where the application listens (the instance IP when it has no sidecar). */
  readonly appIp: string;
  /** Where its sidecar's outbound listeners bind; the application calls other services here. */
  readonly outboundIp: string;
  readonly ports: readonly { readonly port: number; readonly targetPort: number; readonly protocol: string }[];
  /** Services it calls (name → first port), for the application's configuration. */
  readonly calls: Readonly<Record<string, number>>;
}

/** The client-only sidecar the runner starts as the mesh's entry point. */
export const INGRESS_NAME = 'ingress';

export interface InstanceAddresses {
  readonly instanceIp: string;
  readonly appIp: string;
  readonly outboundIp: string;
}

/** The highest k: 255 is the control plane's. */
export const MAX_INSTANCES = 254;

/**
 * Each instance gets its own loopback addresses, 127.<subnet>.<k>.1 (instance), .2 (application)
 * and .3 (outbound), so every workload uses the same ports as in a cluster without clashing;
 * k = 0 is the ingress and k = 255 the controller.
 */
export function addressesOf(k: number, subnet = 10): InstanceAddresses {
  if (!Number.isInteger(subnet) || subnet < 1 || subnet > 254) throw new Error(`subnet is ${subnet}; it must be 1 to 254 (127.<subnet>.x.x)`);
  if (k < 0 || k > 255) throw new Error(`the local runner addresses at most ${MAX_INSTANCES} instances; this mesh needs ${k}`);
  return { instanceIp: `127.${subnet}.${k}.1`, appIp: `127.${subnet}.${k}.2`, outboundIp: `127.${subnet}.${k}.3` };
}

/** Plans the instances of every MeshService: one per version (or one), times its replicas; instance k gets `addresses(k)`. */
export function planInstances(resources: readonly MeshResource[], addresses: (k: number) => InstanceAddresses = (k) => addressesOf(k)): PlannedInstance[] {
  const model = new MeshModel(resources);
  const planned: PlannedInstance[] = [];
  for (const svc of model.all('MeshService')) {
    const versions = svc.spec.versions.length > 0 ? svc.spec.versions : [undefined];
    const replicas = Math.max(1, svc.spec.replicas ?? 1);
    const calls: Record<string, number> = {};
    for (const call of svc.spec.calls) {
      const target = model.service(call.namespace ?? svc.metadata.namespace, call.name);
      if (target) calls[call.name] = target.spec.ports[0]!.port;
    }
    for (const version of versions) {
      for (let replica = 0; replica < replicas; replica++) {
        if (planned.length >= MAX_INSTANCES) throw new Error(`the local runner addresses at most ${MAX_INSTANCES} instances`);
        const own = addresses(planned.length + 1);
        const sidecar = svc.spec.sidecar.inject;
        planned.push({
          name: [svc.metadata.name, version?.name, String(replica)].filter(Boolean).join('-'),
          namespace: svc.metadata.namespace,
          service: svc.metadata.name,
          ...(version ? { version: version.name } : {}),
          labels: { ...svc.spec.selector, ...version?.labels },
          serviceAccount: model.serviceAccountOf(svc),
          sidecar,
          ...own,
          appIp: sidecar ? own.appIp : own.instanceIp,
          ports: svc.spec.ports.map((p) => ({ port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol })),
          calls,
        });
      }
    }
  }
  return planned;
}
