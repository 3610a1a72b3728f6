import type { CanaryStatus } from '../../lib/api';
import { canarySummary, serviceRoutes, servicePolicies, type CanaryEvent, type DashboardSnapshot, type GatewayAccount, type ServiceDetail } from '../../lib/dashboard';
import type { MeshModel } from '../../lib/model';
import type { ProxyStream } from '../xds/proxy-stream';
import type { DashboardCollector } from './dashboard-collector';
import { isGateway, ProxySummaries } from './proxy-summaries';

/** What the dashboard reads from the rest of the controller besides traffic. */
export interface DashboardState {
  /** The connected proxies' streams. */
  proxies(): Iterable<ProxyStream>;
  /** A Canary's status as the driver decided or followed it, by `namespace/name`. */
  canaryStatus(key: string): CanaryStatus | undefined;
  canaryHistory(key: string): readonly CanaryEvent[];
}

/** Sidecars that front no MeshService (ingress, gateways): calls they make arrive under their account. */
export function gatewayAccounts(model: MeshModel, streams: Iterable<ProxyStream>): GatewayAccount[] {
  return [...streams].flatMap(({ proxy }) => (isGateway(model, proxy) && proxy.workload !== undefined && proxy.serviceAccount !== undefined ? [{ namespace: proxy.namespace, name: proxy.workload, serviceAccount: proxy.serviceAccount }] : []));
}

/** The JSON the page polls: the snapshot and one service's detail. */
export class DashboardApi {
  private readonly proxySummaries = new ProxySummaries();

  constructor(
    private readonly collector: DashboardCollector,
    private readonly state: DashboardState,
    private readonly now: () => number = Date.now,
  ) {}

  async snapshot(): Promise<DashboardSnapshot> {
    const graph = await this.collector.watched();
    const model = this.collector.meshModel();
    const canaries = model.all('Canary').flatMap((canary) => {
      const { namespace, name } = canary.metadata;
      const status = this.state.canaryStatus(`${namespace}/${name}`);
      return status ? [canarySummary(namespace, name, canary.spec, status, this.state.canaryHistory(`${namespace}/${name}`))] : [];
    });
    return {
      generatedAt: new Date(this.now()).toISOString(),
      source: this.collector.source,
      windowSeconds: graph.windowSeconds,
      namespaces: [...new Set(graph.nodes.map((n) => n.namespace))].sort(),
      nodes: graph.nodes,
      edges: graph.edges,
      canaries,
      proxies: this.proxySummaries.summarize(model, this.state.proxies()),
    };
  }

  /** undefined when the mesh has no such MeshService. */
  async service(namespace: string, name: string): Promise<ServiceDetail | undefined> {
    await this.collector.watched();
    const model = this.collector.meshModel();
    const service = model.service(namespace, name);
    if (!service) return undefined;
    return { namespace, name, series: this.collector.seriesOf(namespace, name).toJSON(), routes: serviceRoutes(model, service), policies: servicePolicies(model, service) };
  }
}
