import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../../lib/xds';
import { AdsTestClient, resourcesOf } from '../../support/controller-ads-client';
import { adminJson, eventually, manifest, startLocalController, type LocalControllerHarness } from '../../support/controller-harness';
import { sidecarNode } from '../../support/controller-fixtures';
import { VhdsTestClient, virtualHostsOf } from '../../support/controller-vhds-client';

const host = (name: string) => `9080/${name}.default.svc.cluster.local:9080`;
const versions = [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }];
const service = (name: string) => manifest('MeshService', name, { selector: { app: name }, ports: [{ port: 9080, protocol: 'http' }], versions });
const route = (v2: number) => manifest('TrafficRoute', 'reviews', { service: { name: 'reviews' }, rules: [{ backends: [{ version: 'v1', weight: 100 - v2 }, { version: 'v2', weight: v2 }] }] });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
const v2WeightOf = (vhost: Loose) => vhost.routes[0].route.weighted_clusters.clusters.find((c: Loose) => String(c.name).includes('|v2|')).weight.value;

describe('VHDS server (delta virtual hosts beside ADS)', () => {
  let harness: LocalControllerHarness;
  const closers: { close(): void }[] = [];
  const NODE = sidecarNode('web', '127.0.0.4');

  /** A sidecar's two streams: ADS up first (its route configuration), then VHDS subscribed to it. */
  async function sidecar(): Promise<{ ads: AdsTestClient; vhds: VhdsTestClient }> {
    const ads = new AdsTestClient(harness.xdsAddress, NODE);
    closers.push(ads);
    ads.subscribe(TypeUrl.RouteConfiguration, ['9080']);
    const rds = await ads.next(TypeUrl.RouteConfiguration);
    ads.ack(rds, ['9080']);
    const vhds = new VhdsTestClient(harness.xdsAddress, NODE);
    closers.push(vhds);
    vhds.send({ resource_names_subscribe: ['9080'] });
    return { ads, vhds };
  }

  beforeEach(async () => {
    harness = await startLocalController({ manifests: [service('web'), service('reviews'), route(10)], registry: { version: 1, workloads: [] } });
  });
  afterEach(async () => {
    for (const c of closers.splice(0)) c.close();
    await harness.close();
  });

  it('sends a sidecar a route configuration with only the catch-all, and its service hosts on the VHDS stream', async () => {
    const ads = new AdsTestClient(harness.xdsAddress, NODE);
    closers.push(ads);
    ads.subscribe(TypeUrl.RouteConfiguration, ['9080']);
    const rc = resourcesOf(await ads.next(TypeUrl.RouteConfiguration))[0] as Loose;
    expect(rc.virtual_hosts.map((v: Loose) => v.domains)).toEqual([['*']]);
    expect(rc.vhds.config_source.api_config_source.api_type).toBe('DELTA_GRPC');
    const vhds = new VhdsTestClient(harness.xdsAddress, NODE);
    closers.push(vhds);
    vhds.send({ resource_names_subscribe: ['9080'] });
    const first = await vhds.next();
    expect([...virtualHostsOf(first).keys()].sort()).toEqual([host('reviews'), host('web')]);
    expect(v2WeightOf(virtualHostsOf(first).get(host('reviews')))).toBe(10);
  });

  it('sends a route change as the one virtual host it changed, and nothing over ADS', async () => {
    const { ads, vhds } = await sidecar();
    vhds.ack(await vhds.next());
    harness.writeManifest('mesh.yaml', [service('web'), service('reviews'), route(40)]);
    const change = await vhds.next();
    expect([...virtualHostsOf(change).keys()]).toEqual([host('reviews')]);
    expect(v2WeightOf(virtualHostsOf(change).get(host('reviews')))).toBe(40);
    expect(change.removed_resources).toEqual([]);
    vhds.ack(change);
    const dump = await eventually(async () => {
      const [proxy] = await adminJson(harness, `/debug/config_dump?proxy=${encodeURIComponent(NODE.id)}`);
      return proxy?.xds.VHDS?.ackedVersion === change.system_version_info ? proxy : undefined;
    }, 'the ACKed VHDS version on /debug/config_dump');
    expect(dump.xds.VHDS.subscribed).toEqual(['9080']);
    expect(ads.pending(TypeUrl.RouteConfiguration)).toEqual([]);
  });

  it('names the virtual host of a service that goes in removed_resources', async () => {
    const { vhds } = await sidecar();
    vhds.ack(await vhds.next());
    harness.writeManifest('mesh.yaml', [service('web'), route(10)]);
    const change = await eventually(async () => {
      const r = await vhds.next();
      vhds.ack(r);
      return r.removed_resources.length > 0 ? r : undefined;
    }, 'the removal');
    expect(change.removed_resources).toEqual([host('reviews')]);
  });

  it('shows a NACKed virtual host on the status of its service and route, naming the proxy and its reason, until the proxy ACKs again', async () => {
    const { vhds } = await sidecar();
    vhds.ack(await vhds.next());
    harness.writeManifest('mesh.yaml', [service('web'), service('reviews'), route(40)]);
    const rejected = await vhds.next();
    const message = `${host('reviews')}: route rule-0: unsupported field`;
    vhds.send({ response_nonce: rejected.nonce, error_detail: { code: 3, message } });
    const statusOf = async (key: string) => ((await adminJson(harness, '/debug/resources')).resources as Loose[]).find((s) => s.key === key);
    const routeStatus = await eventually(async () => {
      const s = await statusOf('TrafficRoute/default/reviews');
      return s?.programmed === false ? s : undefined;
    }, 'the TrafficRoute not programmed');
    expect(routeStatus.rejections).toEqual([expect.objectContaining({ proxy: NODE.id, type: 'VHDS', resource: host('reviews'), message })]);
    expect(routeStatus.accepted).toBe(true);
    expect(await statusOf('MeshService/default/reviews')).toMatchObject({ programmed: false });
    expect(await statusOf('MeshService/default/web')).toMatchObject({ programmed: true, rejections: [] });
    harness.writeManifest('mesh.yaml', [service('web'), service('reviews'), route(50)]);
    vhds.ack(await vhds.next());
    await eventually(async () => ((await statusOf('TrafficRoute/default/reviews'))?.programmed === true ? true : undefined), 'programmed again after the ACK');
  });

  it('follows the node\'s new ADS stream when the proxy reconnects it: a later route change still arrives on the open VHDS stream', async () => {
    const { ads, vhds } = await sidecar();
    vhds.ack(await vhds.next());
    const again = new AdsTestClient(harness.xdsAddress, NODE);
    closers.push(again);
    again.subscribe(TypeUrl.RouteConfiguration, ['9080']);
    again.ack(await again.next(TypeUrl.RouteConfiguration), ['9080']);
    ads.close();
    harness.writeManifest('mesh.yaml', [service('web'), service('reviews'), route(60)]);
    const change = await vhds.next();
    expect(v2WeightOf(virtualHostsOf(change).get(host('reviews')))).toBe(60);
    expect(vhds.pending()).toEqual([]);
  });

  it('ends a VHDS stream whose ADS stream ended, so that the proxy reconnects both rather than keep a stale one', async () => {
    const { ads, vhds } = await sidecar();
    vhds.ack(await vhds.next());
    ads.close();
    await expect(vhds.next()).rejects.toThrow(/closed/);
    expect(vhds.closedWith).toMatchObject({ code: 14, details: expect.stringMatching(/XDS_NO_ADS_STREAM/) });
  });

  it('refuses a VHDS stream whose node has no ADS stream, saying to open ADS first', async () => {
    const vhds = new VhdsTestClient(harness.xdsAddress, sidecarNode('lonely', '127.0.0.8'));
    closers.push(vhds);
    vhds.send({ resource_names_subscribe: ['9080'] });
    await expect(vhds.next()).rejects.toThrow(/closed/);
    expect(vhds.closedWith?.details).toMatch(/XDS_NO_ADS_STREAM/);
  });
});
