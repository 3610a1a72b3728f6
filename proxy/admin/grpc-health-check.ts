import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import { parse } from 'protobufjs';

/**
 * grpc.health.v1 from grpc/grpc-proto's health.proto, inline: no package in the tree ships the
 * proto, and Check is all a probe needs.
 */
const HEALTH_PROTO = `
syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse {
  enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
  ServingStatus status = 1;
}
service Health { rpc Check(HealthCheckRequest) returns (HealthCheckResponse); }
`;

export interface HealthCheckRequest {
  service: string;
}

export interface HealthCheckResponse {
  status: 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
}

/** The standard gRPC health service, as a server implements it and a client calls it. */
export const healthServiceDefinition = fromJSON(parse(HEALTH_PROTO, { keepCase: true }).root.toJSON(), { enums: String, defaults: true })['grpc.health.v1.Health'] as grpc.ServiceDefinition;

const check = healthServiceDefinition['Check'] as grpc.MethodDefinition<HealthCheckRequest, HealthCheckResponse>;

/** One Health/Check over h2c, as the kubelet's grpc probe does; cancelled when `signal` aborts. */
export function grpcHealthCheck(address: string, service: string, signal: AbortSignal): Promise<HealthCheckResponse['status']> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise<HealthCheckResponse['status']>((resolve, reject) => {
    const call = client.makeUnaryRequest(check.path, check.requestSerialize, check.responseDeserialize, { service }, (error, response) => {
      if (error || !response) reject(error ?? new Error('empty health response'));
      else resolve(response.status);
    });
    signal.addEventListener('abort', () => call.cancel(), { once: true });
  }).finally(() => client.close());
}
