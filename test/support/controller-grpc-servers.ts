import { Server, ServerCredentials, status, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';

export const ECHO_PATH = '/meshform.test.Echo/Call';

const bytes = {
  serialize: (value: Buffer) => value,
  deserialize: (value: Buffer) => value,
};

/** How a test server answers: always by name, or UNAVAILABLE always / on every other call. */
export type Behaviour = 'ok' | 'unavailable' | 'every-other-unavailable';

export interface EchoServer {
  readonly name: string;
  readonly port: number;
  calls: number;
  close(): Promise<void>;
}

/** A real grpc-js server on loopback that answers `{"server": <name>}`. */
export async function startEchoServer(name: string, behaviour: Behaviour = 'ok'): Promise<EchoServer> {
  const server = new Server();
  const echo: EchoServer = {
    name,
    port: 0,
    calls: 0,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
  server.addService(
    { Call: { path: ECHO_PATH, requestStream: false, responseStream: false, requestSerialize: bytes.serialize, requestDeserialize: bytes.deserialize, responseSerialize: bytes.serialize, responseDeserialize: bytes.deserialize } },
    {
      Call: (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        echo.calls += 1;
        const fail = behaviour === 'unavailable' || (behaviour === 'every-other-unavailable' && echo.calls % 2 === 1);
        if (fail) callback({ code: status.UNAVAILABLE, details: `${name} is unavailable` });
        else callback(null, Buffer.from(JSON.stringify({ server: name })));
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return Object.assign(echo, { port });
}
