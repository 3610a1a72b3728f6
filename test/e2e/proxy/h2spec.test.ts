import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../../lib/xds';
import { listenerPort, startProxy, type ProxyUnderTest } from '../../support/proxy-harness';
import { UpstreamServer } from '../../support/upstream-server';
import { cluster, endpoints, httpListener, prefix, route, routeConfig, toCluster, virtualHost } from '../../support/xds-resources';
import { TestXdsServer } from '../../support/xds-test-server';

const ROOT = path.resolve(__dirname, '../../..');
const H2SPEC = path.join(ROOT, '.cache/bench/bin/h2spec');

const CLOSED_STREAM =
  'Node 20 answers a frame on a stream closed or reset by the peer with no STREAM_CLOSED error (h2spec waits in vain); a bare node:http2 server fails it too';

/**
 * The h2spec cases the sidecar fails, and why. All but the first are Node's HTTP/2 core (a bare
 * node:http2 server fails each of them as well). Exact: a listed case that passes fails the test
 * too, so the list shrinks when Node fixes one.
 */
const KNOWN_FAILURES: Record<string, string> = {
  'http2/3.5 Sends invalid connection preface':
    'ours by design: the listeners sniff the codec (AUTO, as Envoy), so bytes that are not the HTTP/2 preface are HTTP/1.1, answered 400',
  'http2/5.1 closed: Sends a DATA frame after sending RST_STREAM frame': CLOSED_STREAM,
  'http2/5.1 closed: Sends a HEADERS frame after sending RST_STREAM frame': CLOSED_STREAM,
  'http2/5.1 closed: Sends a DATA frame': CLOSED_STREAM,
  'http2/5.1 closed: Sends a HEADERS frame': CLOSED_STREAM,
  'http2/5.1.1 Sends stream identifier that is numerically smaller than previous':
    'Node 20 sends no PROTOCOL_ERROR GOAWAY for a stream id below the last one (h2spec sees the earlier stream answered instead); a bare node:http2 server fails it too',
  'http2/6.7 Sends a PING frame with ACK':
    'Node closes the connection on an unsolicited PING ACK, deliberately (src/node_http2.cc), where RFC 9113 says to ignore it; a bare node:http2 server fails it too',
  'http2/6.9.1 Sends multiple WINDOW_UPDATE frames increasing the flow control window to above 2^31-1':
    'Node 20 sends a GOAWAY whose code is not FLOW_CONTROL_ERROR for a send window overflowed by WINDOW_UPDATE; a bare node:http2 server fails it too',
};

/**
 * Cases whose outcome depends on timing, judged by neither list: they pass or fail from run to run.
 * 5.1 half closed (remote): Node answers the DATA frame on a half-closed stream with STREAM_CLOSED
 * (GOAWAY and RST_STREAM, as h2spec wants), but when the upstream's answer to the request is already
 * on its way, the response's final DATA frame can be written before the connection closes and
 * h2spec reports an error; seen in 1 of 8 clean runs.
 */
const TIMING_DEPENDENT = new Set(['http2/5.1 half closed (remote): Sends a DATA frame']);

interface Case {
  readonly id: string;
  readonly failed: boolean;
  readonly detail: string;
}

/** The cases of h2spec's JUnit report: "<section> #<n>" with whether each failed (skipped ones are left out). */
function casesOf(junit: string): Case[] {
  const cases: Case[] = [];
  for (const match of junit.matchAll(/<testcase package="([^"]*)" classname="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = match[4] ?? '';
    if (body.includes('<skipped')) continue;
    const id = `${match[1]} ${match[2]}`.replace(/&#34;|&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
    cases.push({ id, failed: body.includes('<failure') || body.includes('<error'), detail: body.replace(/\s+/g, ' ').slice(0, 300) });
  }
  return cases;
}

describe('h2spec against a sidecar HTTP/2 listener (h2c, prior knowledge)', () => {
  let xds: TestXdsServer;
  let proxy: ProxyUnderTest;
  let app: UpstreamServer;
  let port: number;
  let workDir: string;

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-h2spec-'));
    app = await UpstreamServer.start('app');
    xds = await TestXdsServer.start();
    xds.set(TypeUrl.Cluster, [cluster('app')]);
    xds.set(TypeUrl.ClusterLoadAssignment, [endpoints('app', [app.address])]);
    xds.set(TypeUrl.RouteConfiguration, [routeConfig('80', [virtualHost('app', [route(prefix('/'), toCluster('app'))])])]);
    xds.set(TypeUrl.Listener, [httpListener('outbound_80', 0, '80')]);
    proxy = await startProxy(xds);
    port = await listenerPort(proxy.proxy, 'outbound_80');
    await xds.waitForAck(TypeUrl.ClusterLoadAssignment, '1');
  }, 300_000);

  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([xds?.stop(), app?.close()]);
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('passes every case but the documented failures of Node’s HTTP/2 core', async () => {
    const report = path.join(workDir, 'h2spec.xml');
    // Asynchronous: the sidecar answering h2spec runs in this process.
    await new Promise<void>((resolve) => execFile(H2SPEC, ['-h', '127.0.0.1', '-p', String(port), '-o', '5', '-j', report], { maxBuffer: 16 * 1024 * 1024 }, () => resolve()));
    const cases = casesOf(fs.readFileSync(report, 'utf8'));
    expect(cases.length).toBeGreaterThan(140);
    const failed = cases.filter((c) => c.failed && !TIMING_DEPENDENT.has(c.id));
    // The details say what h2spec expected and what it saw, should the list ever differ.
    expect(failed.map((c) => `${c.id}${KNOWN_FAILURES[c.id] ? '' : `: ${c.detail}`}`).sort()).toEqual(Object.keys(KNOWN_FAILURES).sort());
  }, 300_000);
});
