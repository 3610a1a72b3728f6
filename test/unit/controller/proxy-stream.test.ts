import { describe, expect, it } from 'vitest';
import { ProxyStream } from '../../../controller/xds/proxy-stream';
import { contentHash, type ProxySnapshot, type VersionedResource } from '../../../controller/xds/snapshot';
import { createLogger } from '../../../controller/logger';
import { TypeUrl, type DiscoveryResponse } from '../../../lib/xds';
import { proxyless } from '../../support/controller-fixtures';

function resource(name: string, content = name): VersionedResource {
  return { name, hash: contentHash(content), packed: { type_url: TypeUrl.Cluster, value: new Uint8Array() }, message: { name, content } };
}

function snapshot(byType: Record<string, VersionedResource[]>): ProxySnapshot {
  return { types: new Map(Object.entries(byType).map(([t, list]) => [t, new Map(list.map((r) => [r.name, r]))])), issues: [] };
}

function stream() {
  const sent: DiscoveryResponse[] = [];
  const s = new ProxyStream('c1', proxyless(), (r) => sent.push(r), createLogger('silent'));
  return { s, sent };
}

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;

describe('ADS stream state machine', () => {
  it('answers the first request of a type once the snapshot is there', () => {
    const { s, sent } = stream();
    s.handleRequest({ type_url: CDS });
    expect(sent).toEqual([]);
    s.update(snapshot({ [CDS]: [resource('a')] }));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.resources).toHaveLength(1);
  });

  it('does not answer an ACK, and does not push a snapshot that changes nothing it subscribed to', () => {
    const { s, sent } = stream();
    s.update(snapshot({ [EDS]: [resource('a'), resource('b')] }));
    s.handleRequest({ type_url: EDS, resource_names: ['a'] });
    s.handleRequest({ type_url: EDS, resource_names: ['a'], version_info: sent[0]!.version_info, response_nonce: sent[0]!.nonce });
    s.update(snapshot({ [EDS]: [resource('a'), resource('b', 'b changed')] }));
    expect(sent).toHaveLength(1);
  });

  it('sends only the changed resources of an EDS subscription, under the version of the whole set', () => {
    const { s, sent } = stream();
    s.update(snapshot({ [EDS]: [resource('a'), resource('b')] }));
    s.handleRequest({ type_url: EDS, resource_names: ['a', 'b'] });
    s.update(snapshot({ [EDS]: [resource('a'), resource('b', 'b changed')] }));
    expect(sent.map((r) => r.resources.length)).toEqual([2, 1]);
    expect(sent[1]!.version_info).not.toBe(sent[0]!.version_info);
  });

  it('sends the whole set of a CDS change, since absent clusters count as deleted', () => {
    const { s, sent } = stream();
    s.update(snapshot({ [CDS]: [resource('a'), resource('b')] }));
    s.handleRequest({ type_url: CDS });
    s.update(snapshot({ [CDS]: [resource('a'), resource('b', 'b changed')] }));
    expect(sent.map((r) => r.resources.length)).toEqual([2, 2]);
  });

  it('answers a subscription change that arrives with the ACK\'s version and nonce', () => {
    const { s, sent } = stream();
    s.update(snapshot({ [EDS]: [resource('a'), resource('b')] }));
    s.handleRequest({ type_url: EDS, resource_names: ['a'] });
    s.handleRequest({ type_url: EDS, resource_names: ['a', 'b'], version_info: sent[0]!.version_info, response_nonce: sent[0]!.nonce });
    expect(sent).toHaveLength(2);
    expect(sent[1]!.resources).toHaveLength(2);
  });

  it('ignores a request carrying an older nonce', () => {
    const { s, sent } = stream();
    s.update(snapshot({ [CDS]: [resource('a')] }));
    s.handleRequest({ type_url: CDS });
    s.update(snapshot({ [CDS]: [resource('a', 'a2')] }));
    s.handleRequest({ type_url: CDS, resource_names: ['x'], version_info: sent[0]!.version_info, response_nonce: sent[0]!.nonce, error_detail: { code: 3, message: 'old' } });
    expect(sent).toHaveLength(2);
    expect(s.nacks()).toEqual([]);
  });

  it('records a NACK, keeps quiet until the configuration changes, and clears it on the next ACK', () => {
    const { s, sent } = stream();
    s.update(snapshot({ [CDS]: [resource('a')] }));
    s.handleRequest({ type_url: CDS });
    s.handleRequest({ type_url: CDS, version_info: sent[0]!.version_info, response_nonce: sent[0]!.nonce });
    s.update(snapshot({ [CDS]: [resource('a', 'bad')] }));
    s.handleRequest({ type_url: CDS, version_info: sent[0]!.version_info, response_nonce: sent[1]!.nonce, error_detail: { code: 3, message: 'bad cluster' } });
    expect(s.nacks()).toEqual([{ type: CDS, nack: expect.objectContaining({ version: sent[1]!.version_info, message: 'bad cluster' }) }]);
    expect(sent).toHaveLength(2);
    expect(s.dump()['CDS']!.ackedVersion).toBe(sent[0]!.version_info);
    s.update(snapshot({ [CDS]: [resource('a')] }));
    expect(sent).toHaveLength(3);
    s.handleRequest({ type_url: CDS, version_info: sent[2]!.version_info, response_nonce: sent[2]!.nonce });
    expect(s.nacks()).toEqual([]);
  });

  it('answers a request without a nonce that asks for another version than the one sent', () => {
    const { s, sent } = stream();
    s.update(snapshot({ [CDS]: [resource('a')] }));
    s.handleRequest({ type_url: CDS });
    s.handleRequest({ type_url: CDS, version_info: sent[0]!.version_info });
    expect(sent).toHaveLength(1);
    s.handleRequest({ type_url: CDS, version_info: 'something-else' });
    expect(sent).toHaveLength(2);
  });

  it('gives identical content the same version, whatever the order it was built in', () => {
    const one = stream();
    const two = stream();
    one.s.update(snapshot({ [CDS]: [resource('a'), resource('b')] }));
    two.s.update(snapshot({ [CDS]: [resource('a'), resource('b')] }));
    one.s.handleRequest({ type_url: CDS });
    two.s.handleRequest({ type_url: CDS });
    expect(one.sent[0]!.version_info).toBe(two.sent[0]!.version_info);
  });
});
