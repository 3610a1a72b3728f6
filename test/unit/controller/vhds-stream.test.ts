import { describe, expect, it } from 'vitest';
import { TypeUrl, type DeltaDiscoveryResponse } from '../../../lib/xds';
import { createLogger } from '../../../controller/logger';
import { ControllerMetrics } from '../../../controller/metrics';
import type { TypeResources, VersionedResource } from '../../../controller/xds/snapshot';
import { rejectedNames } from '../../../controller/xds/proxy-stream';
import { VhdsStream } from '../../../controller/xds/vhds-stream';
import { sidecar } from '../../support/controller-fixtures';

/** Virtual hosts by name, each with a content hash standing for its version. */
function hosts(entries: Record<string, string>): TypeResources {
  return new Map(
    Object.entries(entries).map(([name, hash]): [string, VersionedResource] => [name, { name, hash, packed: { type_url: TypeUrl.VirtualHost, value: Buffer.from(hash) }, message: { name } }]),
  );
}

function stream() {
  const sent: DeltaDiscoveryResponse[] = [];
  const metrics = new ControllerMetrics();
  const vhds = new VhdsStream('c1', sidecar('web', '127.0.0.4'), (r) => sent.push(r), createLogger('silent'), metrics);
  const last = () => sent.at(-1)!;
  const names = (r: DeltaDiscoveryResponse) => r.resources.map((x) => x.name).sort();
  const ack = () => vhds.handleRequest({ type_url: TypeUrl.VirtualHost, response_nonce: last().nonce });
  return { vhds, sent, last, names, ack, metrics };
}

const SET = hosts({ '9080/a:9080': 'a1', '9080/b:9080': 'b1', '8080/c:8080': 'c1' });

describe('VHDS stream (delta)', () => {
  it('answers a route configuration\'s name with all of its virtual hosts, and a subscription without any with an empty response', () => {
    const { vhds, sent, names } = stream();
    vhds.update(SET);
    expect(sent).toEqual([]);
    vhds.handleRequest({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: ['9080'] });
    expect(names(sent[0]!)).toEqual(['9080/a:9080', '9080/b:9080']);
    vhds.handleRequest({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: ['7070'] });
    expect(sent).toHaveLength(2);
    expect(sent[1]!.resources).toEqual([]);
    expect(sent[1]!.removed_resources).toEqual([]);
  });

  it('answers each subscription that came before the first snapshot once it comes, even with nothing', () => {
    const { vhds, sent, names } = stream();
    vhds.handleRequest({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: ['7070'] });
    vhds.handleRequest({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: ['9080'] });
    expect(sent).toEqual([]);
    vhds.update(SET);
    expect(sent).toHaveLength(2);
    expect(names(sent[0]!)).toEqual(['9080/a:9080', '9080/b:9080']);
    expect(sent[1]!.resources).toEqual([]);
  });

  it('after a change sends only the virtual host that changed, and the names of those removed', () => {
    const { vhds, sent, last, names, ack } = stream();
    vhds.update(SET);
    vhds.handleRequest({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: ['9080', '8080'] });
    ack();
    vhds.update(hosts({ '9080/a:9080': 'a2', '8080/c:8080': 'c1' }));
    expect(sent).toHaveLength(2);
    expect(names(last())).toEqual(['9080/a:9080']);
    expect(last().resources[0]!.version).toBe('a2');
    expect(last().removed_resources).toEqual(['9080/b:9080']);
    vhds.update(hosts({ '9080/a:9080': 'a2', '8080/c:8080': 'c1' }));
    expect(sent).toHaveLength(2);
  });

  it('does not send a refused virtual host again until it changes; the rest of the refused response and its removals go with the next push', async () => {
    const { vhds, sent, last, names, ack, metrics } = stream();
    vhds.update(hosts({ '9080/a:9080': 'a1', '9080/b:9080': 'b1', '9080/c:9080': 'c1' }));
    vhds.handleRequest({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: ['9080'] });
    ack();
    vhds.update(hosts({ '9080/a:9080': 'bad', '9080/b:9080': 'b2' }));
    expect(last().removed_resources).toEqual(['9080/c:9080']);
    vhds.handleRequest({ type_url: TypeUrl.VirtualHost, response_nonce: last().nonce, error_detail: { code: 3, message: 'virtual host 9080/a:9080: bad route' } });
    expect(vhds.dump().nack?.message).toBe('virtual host 9080/a:9080: bad route');
    const count = sent.length;
    vhds.update(hosts({ '9080/a:9080': 'bad', '9080/b:9080': 'b2' }));
    expect(sent).toHaveLength(count + 1);
    expect(names(last())).toEqual(['9080/b:9080']);
    expect(last().removed_resources).toEqual(['9080/c:9080']);
    ack();
    vhds.update(hosts({ '9080/a:9080': 'bad', '9080/b:9080': 'b2' }));
    expect(sent).toHaveLength(count + 1);
    vhds.update(hosts({ '9080/a:9080': 'a3', '9080/b:9080': 'b2' }));
    expect(names(last())).toEqual(['9080/a:9080']);
    expect(await metrics.registry.getSingleMetricAsString('meshform_xds_nacks_total')).toContain('type="VHDS"} 1');
  });

  it('holds back every virtual host of a refused response whose message names none, until each changes', () => {
    const { vhds, sent, last } = stream();
    vhds.update(SET);
    vhds.handleRequest({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: ['9080'] });
    vhds.handleRequest({ type_url: TypeUrl.VirtualHost, response_nonce: last().nonce, error_detail: { code: 3, message: 'something is wrong' } });
    const count = sent.length;
    vhds.update(hosts({ '9080/a:9080': 'a1', '9080/b:9080': 'b1', '8080/c:8080': 'c2' }));
    expect(sent).toHaveLength(count);
  });

  it('sends a reconnecting proxy only what differs from the versions it says it holds', () => {
    const { vhds, last, names } = stream();
    vhds.update(SET);
    vhds.handleRequest({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: ['9080'], initial_resource_versions: { '9080/a:9080': 'a1', '9080/b:9080': 'b0', '9080/gone:9080': 'g1' } });
    expect(names(last())).toEqual(['9080/b:9080']);
    expect(last().removed_resources).toEqual(['9080/gone:9080']);
  });

  it('subscribes to one virtual host by its full name, and forgets an unsubscribed route configuration without a response', () => {
    const { vhds, sent, last, names, ack } = stream();
    vhds.update(SET);
    vhds.handleRequest({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: ['8080/c:8080'] });
    expect(names(last())).toEqual(['8080/c:8080']);
    ack();
    vhds.handleRequest({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: ['9080'] });
    ack();
    vhds.handleRequest({ type_url: TypeUrl.VirtualHost, resource_names_unsubscribe: ['9080'] });
    expect(sent).toHaveLength(2);
    vhds.update(hosts({ '9080/a:9080': 'a9', '8080/c:8080': 'c1' }));
    expect(sent).toHaveLength(2);
  });

  it('records the ACKed version for the debug dump', () => {
    const { vhds, last, ack } = stream();
    vhds.update(SET);
    vhds.handleRequest({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: ['9080'] });
    expect(vhds.dump().ackedVersion).toBeUndefined();
    ack();
    expect(vhds.dump()).toMatchObject({ subscribed: ['9080'], ackedVersion: last().system_version_info });
    expect(vhds.dump().resources).toHaveLength(2);
  });
});

describe('which resources a NACK names', () => {
  it('takes the names its message names, not those inside longer names', () => {
    expect(rejectedNames('route 9080: vhost 9080/a:9080: bad regex', ['80', '9080', '9080/a:9080', '9080/a'], [])).toEqual(['9080', '9080/a:9080']);
    expect(rejectedNames('listener 0.0.0.0_8080 refused', ['0.0.0.0_80', '0.0.0.0_8080'], [])).toEqual(['0.0.0.0_8080']);
  });

  it('falls back to what the rejected response changed when the message names nothing held', () => {
    expect(rejectedNames('unsupported field', ['9080', 'outbound|9080||a'], ['outbound|9080||a'])).toEqual(['outbound|9080||a']);
  });
});
