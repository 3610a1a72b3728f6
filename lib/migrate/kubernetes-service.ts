import { defaultPortName, SERVICE_ANNOTATIONS } from './export-istio';
import { compact, readMetadata, type Converted } from './import-context';
import type { SourceObject } from './source-fields';

/** The protocol Istio would pick for a port: its appProtocol, else its name's prefix (http-, grpc-, …). */
export function portProtocol(appProtocol: string | undefined, name: string | undefined): string | undefined {
  const word = (appProtocol ?? name?.split('-')[0] ?? '').toLowerCase();
  if (word === 'kubernetes.io/h2c' || word === 'http2' || word === 'h2c') return 'http2';
  if (word === 'grpc' || word === 'grpc-web') return 'grpc';
  if (word === 'http' || word === 'https') return word === 'https' ? 'tcp' : 'http';
  if (word === 'tcp' || word === 'tls' || word === 'mongo' || word === 'mysql' || word === 'redis') return 'tcp';
  return undefined;
}

/** Kubernetes Service → what its MeshService has: selector, ports and their protocols. */
export function importKubernetesService(source: SourceObject): Converted {
  const root = source.root();
  const meta = readMetadata(root);
  const spec = root.object('spec');
  if (!spec) return { resources: [], services: [] };
  // What Kubernetes fills in or only matters to kube-proxy: the MeshService's own Service gets its defaults.
  spec.ignore('clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'internalTrafficPolicy', 'sessionAffinity');
  const type = spec.string('type');
  if (type && type !== 'ClusterIP') source.note('dropped', 'spec.type', `${type}: a MeshService's Service is ClusterIP; expose it through your own Service or ingress`);
  for (const k of ['externalTrafficPolicy', 'loadBalancerIP', 'loadBalancerSourceRanges', 'externalIPs', 'externalName', 'healthCheckNodePort', 'publishNotReadyAddresses', 'sessionAffinityConfig', 'allocateLoadBalancerNodePorts', 'loadBalancerClass', 'trafficDistribution']) {
    spec.drop(k, 'a MeshService\'s Service is a plain ClusterIP Service');
  }
  const ports = spec.list('ports').map((p) => {
    p.ignore('protocol');
    p.drop('nodePort', 'a MeshService\'s Service is ClusterIP');
    const name = p.string('name');
    const target = p.string('targetPort');
    if (target !== undefined && !/^[0-9]+$/.test(target)) p.source.note('dropped', p.at('targetPort'), `"${target}" is a port name; Meshform needs the number (the port is used)`);
    const protocol = portProtocol(p.string('appProtocol'), name);
    if (protocol === undefined) p.source.note('differs', p.path, 'neither appProtocol nor the name says the protocol: imported as http, as Istio sniffs it');
    const port = p.number('port')!;
    const targetPort = target !== undefined && /^[0-9]+$/.test(target) && Number(target) !== port ? Number(target) : undefined;
    // `meshform export` names unnamed ports the way Meshform describes its default: protocol-number.
    return compact({ name: name === defaultPortName(protocol ?? 'http', port) ? undefined : name, port, targetPort, protocol: protocol ?? 'http' });
  });
  // What `meshform export` keeps of a MeshService that a Service cannot say.
  const annotations = { ...meta.annotations };
  const take = (key: string) => {
    const v = annotations[key];
    delete annotations[key];
    return v;
  };
  const serviceAccount = take(SERVICE_ANNOTATIONS.serviceAccount);
  const calls = take(SERVICE_ANNOTATIONS.calls)?.split(',').map((c) => compact({ name: c.split('.')[0]!, namespace: c.split('.')[1] }));
  const inject = take(SERVICE_ANNOTATIONS.inject);
  const replicas = take(SERVICE_ANNOTATIONS.replicas);
  return {
    resources: [],
    services: [
      compact({
        name: meta.name,
        namespace: meta.namespace,
        selector: spec.record('selector') ?? {},
        ports,
        serviceAccount,
        calls,
        inject: inject === undefined ? undefined : inject !== 'false',
        replicas: replicas === undefined ? undefined : Number(replicas),
        meta: meta.labels || Object.keys(annotations).length ? compact({ labels: meta.labels, annotations: Object.keys(annotations).length ? annotations : undefined }) : undefined,
      }),
    ],
  };
}
