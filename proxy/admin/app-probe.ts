import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AppProbe, GrpcAction, HttpGetAction, TcpSocketAction } from '../bootstrap/app-probe-schema';
import { grpcHealthCheck } from './grpc-health-check';

/** The app is probed where the proxy's traffic capture does not redirect it. */
const APP_HOST = '127.0.0.1';

export interface ProbeResult {
  readonly ok: boolean;
  /** A short line for the prober: the app's status on success, the reason on failure. */
  readonly detail: string;
}

/** Runs an app container's original probe against the app, as the kubelet would have. */
export async function runAppProbe(probe: AppProbe): Promise<ProbeResult> {
  const signal = AbortSignal.timeout(probe.timeoutSeconds * 1000);
  try {
    if ('httpGet' in probe) return await httpGet(probe.httpGet, signal);
    if ('tcpSocket' in probe) return await tcpConnect(probe.tcpSocket, signal);
    return await grpcCheck(probe.grpc, signal);
  } catch (error) {
    return { ok: false, detail: signal.aborted ? `no answer within ${probe.timeoutSeconds}s` : (error as Error).message };
  }
}

function httpGet(action: HttpGetAction, signal: AbortSignal): Promise<ProbeResult> {
  // The kubelet's defaults; the probe's own headers (Host, User-Agent, …) replace them.
  const headers: Record<string, string> = { 'user-agent': 'kube-probe/meshform', accept: '*/*' };
  for (const { name, value } of action.httpHeaders) headers[name.toLowerCase()] = value;
  const options: https.RequestOptions = { host: APP_HOST, port: action.port, path: action.path, headers, agent: false, signal };
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage): void => {
      const status = res.statusCode ?? 0;
      res.destroy();
      // Redirects are not followed: the kubelet counts any 3xx as success.
      resolve(status >= 200 && status < 400 ? { ok: true, detail: `${status}` } : { ok: false, detail: `app answered ${status}` });
    };
    const req =
      action.scheme === 'HTTPS'
        ? // The kubelet does not verify the app's certificate either.
          https.request({ ...options, rejectUnauthorized: false }, onResponse)
        : http.request(options, onResponse);
    req.on('error', reject);
    req.end();
  });
}

function tcpConnect(action: TcpSocketAction, signal: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: APP_HOST, port: action.port, signal });
    socket.once('connect', () => {
      socket.destroy();
      resolve({ ok: true, detail: `connected to port ${action.port}` });
    });
    socket.once('error', reject);
  });
}

async function grpcCheck(action: GrpcAction, signal: AbortSignal): Promise<ProbeResult> {
  const status = await grpcHealthCheck(`${APP_HOST}:${action.port}`, action.service, signal);
  return { ok: status === 'SERVING', detail: status };
}
