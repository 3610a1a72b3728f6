import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { shouldFail, type Knobs } from './knobs';

export interface DemoGrpcServiceOptions {
  readonly instance: string;
  readonly host: string;
  readonly port: number;
  /** The knobs it obeys: shared with the instance's HTTP face, so one `POST /admin/knobs` moves both. */
  readonly knobs: () => Knobs;
}

/** The package definition of `meshform.demo.Ratings`, for servers and test clients alike. */
export function ratingsPackage(): grpc.GrpcObject {
  const definition = protoLoader.loadSync(path.join(__dirname, 'ratings.proto'), { keepCase: false, defaults: true });
  return grpc.loadPackageDefinition(definition);
}

/**
 * A small real gRPC server (`meshform.demo.Ratings/GetRating`): latency and failures from the same
 * knobs as the HTTP demo service; a failure is UNAVAILABLE, the status a mesh retries.
 */
export class DemoGrpcService {
  private readonly server = new grpc.Server();

  constructor(private readonly options: DemoGrpcServiceOptions) {
    const ratings = ((ratingsPackage().meshform as grpc.GrpcObject).demo as grpc.GrpcObject).Ratings as grpc.ServiceClientConstructor;
    this.server.addService(ratings.service, {
      getRating: (call: grpc.ServerUnaryCall<{ productId: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const knobs = this.options.knobs();
        setTimeout(() => {
          // A failure goes before any metadata, as "trailers-only": the one form in which a mesh (Envoy
          // too) can read the status from the headers and retry.
          if (shouldFail(knobs)) {
            callback({ code: grpc.status.UNAVAILABLE, details: `injected failure at ${this.options.instance}` });
            return;
          }
          callback(null, { productId: call.request.productId, stars: 5, servedBy: this.options.instance });
        }, knobs.latencyMs);
      },
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) =>
      this.server.bindAsync(`${this.options.host}:${this.options.port}`, grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }
}
