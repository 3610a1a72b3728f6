import { describe, expect, it } from 'vitest';
import { adsServiceDefinition, TypeUrl, type DiscoveryResponse } from '../../../lib/xds';
import { encodeResponse } from '../../../controller/xds/response-encoding';

const method = adsServiceDefinition.StreamAggregatedResources!;
const resources = [{ type_url: TypeUrl.Cluster, value: new Uint8Array([8, 1]) }, { type_url: TypeUrl.Cluster, value: new Uint8Array([8, 2]) }];

describe('DiscoveryResponse encoding', () => {
  it('encodes the shared body once yet gives each proxy its own nonce, decoding as the standard codec does', () => {
    const first: DiscoveryResponse = { version_info: 'v1', resources, type_url: TypeUrl.Cluster, nonce: '1' };
    const second: DiscoveryResponse = { ...first, nonce: '42' };
    for (const response of [first, second]) {
      expect(method.responseDeserialize(encodeResponse(response))).toEqual(method.responseDeserialize(method.responseSerialize(response)));
    }
  });

  it('does not reuse a body for the same resources under another version', () => {
    encodeResponse({ version_info: 'v1', resources, type_url: TypeUrl.Cluster, nonce: '1' });
    expect(method.responseDeserialize(encodeResponse({ version_info: 'v2', resources, type_url: TypeUrl.Cluster, nonce: '2' }))).toMatchObject({ version_info: 'v2', nonce: '2' });
  });
});
