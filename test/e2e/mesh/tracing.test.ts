import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyTarget, Telemetry } from '../../../constructs';
import type { LocalMesh } from '../../../runner';
import { call, service, startMesh } from './local-mesh-fixture';

interface Span {
  service?: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
}

let collector: ChildProcess;
const spans: Span[] = [];
let mesh: LocalMesh;

beforeAll(async () => {
  collector = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, 'otlp-collector.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    collector.once('exit', (code) => reject(new Error(`collector exited with ${code}`)));
    createInterface({ input: collector.stdout! }).on('line', (line) => {
      const parsed = JSON.parse(line) as { ready?: number } & Span;
      if (parsed.ready !== undefined) resolve(parsed.ready);
      else spans.push(parsed);
    });
  });
  ({ mesh } = await startMesh((chart) => {
    const ratings = service(chart, 'ratings');
    const reviews = service(chart, 'reviews', ['v2'], { calls: [ratings] });
    const details = service(chart, 'details');
    service(chart, 'productpage', [], { calls: [details, reviews] });
    new Telemetry(chart, 'tracing', { target: PolicyTarget.namespace(), tracing: { samplingPercent: 100, otlpEndpoint: `http://127.0.0.1:${port}` } });
  }));
}, 90_000);
afterAll(async () => {
  await mesh?.stop();
  collector?.kill('SIGTERM');
});

describe('tracing across the mesh', () => {
  it('one request through productpage → reviews → ratings yields spans sharing one trace id', async () => {
    const r = await call(mesh, 'productpage', '/productpage');
    expect(r.status).toBe(200);
    expect((JSON.parse(r.body) as { reviews: { body: { ratings: { status: number } } } }).reviews.body.ratings.status).toBe(200);
    const deadline = Date.now() + 15_000;
    const servicesOf = (id: string) => new Set(spans.filter((s) => s.traceId === id).map((s) => s.service));
    let trace: string | undefined;
    while (Date.now() < deadline && trace === undefined) {
      trace = [...new Set(spans.map((s) => s.traceId))].find((id) => ['productpage', 'reviews', 'ratings'].every((svc) => servicesOf(id).has(svc)));
      if (trace === undefined) await new Promise((res) => setTimeout(res, 100));
    }
    expect(trace, `spans received: ${JSON.stringify(spans)}`).toBeDefined();
    const inTrace = spans.filter((s) => s.traceId === trace);
    // Every span but the first exported hop's has its parent in the same trace (the ingress is not a
    // MeshService, so the namespace's Telemetry does not make it export).
    const ids = new Set(inTrace.map((s) => s.spanId));
    expect(inTrace.filter((s) => !ids.has(s.parentSpanId))).toHaveLength(1);
    expect(servicesOf(trace!)).toEqual(new Set(['productpage', 'details', 'reviews', 'ratings']));
  });
});
