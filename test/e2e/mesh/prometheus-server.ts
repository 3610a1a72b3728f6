import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../support/processes';

/** A real Prometheus scraping the given sidecar admin addresses every second. */
export class PrometheusServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  /** `targets`: admin addresses, each alone or with the labels its series get (as Kubernetes discovery adds `namespace` and `pod`). */
  static async start(dir: string, targets: readonly (string | { readonly address: string; readonly labels: Readonly<Record<string, string>> })[]): Promise<PrometheusServer> {
    fs.mkdirSync(dir, { recursive: true });
    const config = {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [{ job_name: 'meshform-sidecars', metrics_path: '/stats/prometheus', static_configs: targets.map((t) => (typeof t === 'string' ? { targets: [t] } : { targets: [t.address], labels: { ...t.labels } })) }],
    };
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), stringify(config));
    const port = await freePort();
    const child = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    const server = new PrometheusServer(child, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}`);
      try {
        if ((await fetch(`${server.url}/-/ready`)).ok) return server;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    server.stop();
    throw new Error('prometheus was not ready within 30 s');
  }

  /** Runs an instant PromQL query; resolves with the vector's samples. */
  async query(promql: string): Promise<{ metric: Record<string, string>; value: number }[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== 'success') throw new Error(`PromQL ${promql}: ${body.error}`);
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** Health of each scrape target. */
  async targets(): Promise<{ scrapeUrl: string; health: string }[]> {
    const body = (await (await fetch(`${this.url}/api/v1/targets`)).json()) as { data: { activeTargets: { scrapeUrl: string; health: string }[] } };
    return body.data.activeTargets;
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}
