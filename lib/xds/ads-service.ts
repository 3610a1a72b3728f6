import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import type { IConversionOptions } from 'protobufjs';
import type { PackedAny } from './any';
import { messageType } from './proto-root';
import type { ProtoStruct } from './struct';
import { DiscoveryMessage } from './type-urls';

export interface XdsNode {
  id: string;
  cluster?: string;
  metadata?: ProtoStruct;
  user_agent_name?: string;
}

/** google.rpc.Status as carried in a NACK's `error_detail`. */
export interface RpcStatus {
  code: number;
  message: string;
}

export interface DiscoveryRequest {
  version_info?: string;
  node?: XdsNode;
  resource_names?: string[];
  type_url: string;
  response_nonce?: string;
  error_detail?: RpcStatus | null;
}

export interface DiscoveryResponse {
  version_info: string;
  resources: PackedAny[];
  type_url: string;
  nonce: string;
}

export const ADS_SERVICE_NAME = 'envoy.service.discovery.v3.AggregatedDiscoveryService';
export const ADS_METHOD_PATH = `/${ADS_SERVICE_NAME}/StreamAggregatedResources`;

// Resources stay packed (no `json`): each side decodes them itself so that one bad resource can be
// NACKed without failing the whole stream.
const WIRE_OBJECT: IConversionOptions = { longs: String, enums: String, oneofs: true, arrays: true, defaults: true };

/** Encodes and decodes one xDS wire message for grpc-js, resources left packed. */
function wireCodec<T extends object>(typeName: string) {
  const type = () => messageType(typeName);
  return {
    serialize: (message: T): Buffer => Buffer.from(type().encode(type().fromObject(message)).finish()),
    deserialize: (bytes: Buffer): T => type().toObject(type().decode(bytes), WIRE_OBJECT) as T,
  };
}

/** A bidirectional xDS stream method for grpc-js, both directions through `wireCodec`. */
export function xdsStreamMethod<Req extends object, Res extends object>(path: string, requestType: string, responseType: string): MethodDefinition<Req, Res> {
  const request = wireCodec<Req>(requestType);
  const response = wireCodec<Res>(responseType);
  return {
    path,
    requestStream: true,
    responseStream: true,
    requestSerialize: request.serialize,
    requestDeserialize: request.deserialize,
    responseSerialize: response.serialize,
    responseDeserialize: response.deserialize,
  };
}

/** The ADS service for grpc-js: `server.addService(adsServiceDefinition, …)` or a generic client. */
export const adsServiceDefinition: ServiceDefinition = {
  StreamAggregatedResources: xdsStreamMethod<DiscoveryRequest, DiscoveryResponse>(ADS_METHOD_PATH, DiscoveryMessage.Request, DiscoveryMessage.Response),
};
