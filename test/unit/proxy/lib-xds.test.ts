import { describe, expect, it } from 'vitest';
import {
  adsServiceDefinition,
  durationToMs,
  fromStruct,
  msToDuration,
  packAny,
  toStruct,
  TypeUrl,
  unpackAny,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '../../../lib/xds';

describe('lib/xds', () => {
  it('round-trips a listener whose nested typed configs are Any', () => {
    const packed = packAny(TypeUrl.Listener, {
      name: '0.0.0.0_8080',
      filter_chains: [
        {
          filters: [
            {
              name: 'envoy.filters.network.http_connection_manager',
              typed_config: {
                '@type': TypeUrl.HttpConnectionManager,
                stat_prefix: 'outbound',
                rds: { route_config_name: '8080', config_source: { ads: {} } },
                http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': TypeUrl.Router } }],
              },
            },
          ],
        },
      ],
    });
    const listener = unpackAny(packed) as any;
    expect(listener['@type']).toBe(TypeUrl.Listener);
    const hcm = listener.filter_chains[0].filters[0].typed_config;
    expect(hcm['@type']).toBe(TypeUrl.HttpConnectionManager);
    expect(hcm.rds.route_config_name).toBe('8080');
    expect(hcm.route_specifier).toBe('rds');
    expect(hcm.http_filters[0].typed_config['@type']).toBe(TypeUrl.Router);
  });

  it('refuses to pack an object that does not fit the message', () => {
    expect(() => packAny(TypeUrl.Cluster, { name: 'c', load_assignment: 'not a message' })).toThrow(/Cluster.*object expected/);
  });

  it('throws when unpacking an Any of a type it does not know', () => {
    expect(() => unpackAny({ type_url: 'type.googleapis.com/acme.Unknown', value: new Uint8Array() })).toThrow();
  });

  it('encodes and decodes discovery messages with node metadata as a Struct', () => {
    const method = adsServiceDefinition.StreamAggregatedResources!;
    const request: DiscoveryRequest = {
      type_url: TypeUrl.Cluster,
      node: { id: 'sidecar~127.0.0.2~reviews.default~default.svc.cluster.local', metadata: toStruct({ LABELS: { version: 'v2' } }) },
      error_detail: { code: 3, message: 'bad route' },
    };
    const decoded = method.requestDeserialize(method.requestSerialize(request)) as DiscoveryRequest;
    expect(decoded.node?.id).toBe(request.node?.id);
    expect(fromStruct(decoded.node?.metadata)).toEqual({ LABELS: { version: 'v2' } });
    expect(decoded.error_detail).toMatchObject({ code: 3, message: 'bad route' });

    const response: DiscoveryResponse = {
      version_info: '7',
      nonce: 'n1',
      type_url: TypeUrl.Cluster,
      resources: [packAny(TypeUrl.Cluster, { name: 'outbound|80||a.default.svc.cluster.local' })],
    };
    const back = method.responseDeserialize(method.responseSerialize(response)) as DiscoveryResponse;
    expect(back.version_info).toBe('7');
    expect(unpackAny(back.resources[0]!).name).toBe('outbound|80||a.default.svc.cluster.local');
  });

  it('converts durations to milliseconds and back', () => {
    expect(durationToMs({ seconds: '1', nanos: 500_000_000 })).toBe(1500);
    expect(durationToMs(undefined)).toBeUndefined();
    expect(msToDuration(2250)).toEqual({ seconds: '2', nanos: 250_000_000 });
  });
});
