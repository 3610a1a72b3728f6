import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Bucket } from './latency-histogram';
import { outputOf, startTracked, stderrTail } from './child-processes';

const REPO = path.resolve(__dirname, '..', '..');

/** fortio as scripts/bench/install-fortio.sh builds it; the benchmarks never use another copy. */
export function fortioBinary(): string {
  const bin = path.join(REPO, '.cache', 'bench', 'bin', 'fortio');
  if (!existsSync(bin)) throw new Error(`${path.relative(REPO, bin)} is missing: run bash scripts/bench/install-fortio.sh`);
  return bin;
}

/**
 * fortio's echo server, the upstream of every path: `/echo?size=1024` answers 1 KB, over HTTP/1.1
 * or h2c on the same port, as in Istio's own benchmarks. Resolves once the port accepts.
 */
export async function startEchoServer(host: string, port: number): Promise<ChildProcess> {
  const child = startTracked(fortioBinary(), ['server', '-http-port', `${host}:${port}`, '-grpc-port', 'disabled', '-redirect-port', 'disabled', '-ui-path', '', '-loglevel', 'Error']);
  await waitForPort(host, port, child);
  return child;
}

/** Polls until `host:port` accepts a connection; fails if `child` exits first or after 10 s. */
export async function waitForPort(host: string, port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${child.spawnfile} exited before ${host}:${port} accepted connections: ${stderrTail(child)}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, host, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${host}:${port} did not accept connections within 10 s`);
}

export interface LoadOptions {
  readonly url: string;
  /** Host header (a mesh routes on it). */
  readonly host?: string;
  /** Requests per second over all connections; 0 runs closed-loop, as fast as answers come. */
  readonly qps: number;
  readonly connections: number;
  readonly seconds: number;
  /** HTTP/2 with prior knowledge (h2c) instead of HTTP/1.1. */
  readonly h2?: boolean;
  /** Record when each failed request ended (fortio logs each one; costs a log line per failure). */
  readonly failureTimes?: boolean;
}

export interface LoadResult {
  readonly requests: number;
  /** Answers other than 200, and connection errors. */
  readonly errors: number;
  readonly actualQps: number;
  readonly seconds: number;
  readonly maxMs: number;
  readonly buckets: Bucket[];
  /** Answers by status code; '-1' counts connection errors. */
  readonly codes: Readonly<Record<string, number>>;
  /** With `failureTimes`: when each failed request ended (epoch ms), in order. */
  readonly failedAt: readonly number[];
}

interface FortioJson {
  ActualQPS: number;
  ActualDuration: number;
  RetCodes: Record<string, number>;
  DurationHistogram: { Count: number; Max: number; Data: { Start: number; End: number; Count: number }[] | null };
}

/** One fortio load run; its JSON report is parsed into counts and histogram buckets. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshform-fortio-'));
  const json = path.join(dir, 'result.json');
  const args = [
    'load',
    '-qps', String(options.qps),
    '-c', String(options.connections),
    '-t', `${options.seconds}s`,
    // Connections start their schedules staggered, so a constant rate is not 16 requests at once.
    '-uniform',
    // 10 µs buckets: fine enough for sub-millisecond differences between paths.
    '-r', '0.00001',
    '-loglevel', options.failureTimes ? 'Warning' : 'Error',
    '-json', json,
    ...(options.h2 ? ['-h2'] : []),
    ...(options.host ? ['-H', `Host: ${options.host}`] : []),
    options.url,
  ];
  try {
    const child = startTracked(fortioBinary(), args);
    const failedAt: number[] = [];
    if (options.failureTimes) {
      createInterface({ input: child.stderr! }).on('line', (line) => {
        const ts = failureTime(line);
        if (ts !== undefined) failedAt.push(ts);
      });
    }
    await outputOf(child, 'fortio load');
    const report = JSON.parse(readFileSync(json, 'utf8')) as FortioJson;
    const h = report.DurationHistogram;
    return {
      requests: h.Count,
      errors: h.Count - (report.RetCodes['200'] ?? 0),
      actualQps: report.ActualQPS,
      seconds: report.ActualDuration / 1e9,
      maxMs: h.Max * 1000,
      buckets: (h.Data ?? []).map((b) => ({ start: b.Start, end: b.End, count: b.Count })),
      codes: report.RetCodes,
      failedAt,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** When a failed request ended, from a fortio log line: a non-200 answer (warn) or a request error. */
function failureTime(line: string): number | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as { ts?: number; level?: string; msg?: string };
    const failed = (entry.level === 'warn' && entry.msg === 'Non ok http code') || entry.level === 'err' || entry.level === 'error';
    return failed && entry.ts !== undefined ? Math.round(entry.ts * 1000) : undefined;
  } catch {
    return undefined;
  }
}
