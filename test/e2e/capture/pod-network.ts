import { execFileSync, spawn } from 'node:child_process';
import { ManagedProcess } from '../../support/processes';

/**
 * Two private network namespaces joined by a veth pair, as a pod and the rest of its cluster are:
 * `pod` holds 198.18.0.2, `node` the other addresses (198.18.0.0/15 is the benchmarking range, so
 * nothing real answers there). Inbound capture happens in PREROUTING, which only traffic arriving
 * from another namespace passes: loopback alone cannot show it. Nothing is added to the machine's
 * own namespace but the transient veth ends, which move into the private namespaces at once.
 */
export class PodNetwork {
  static readonly POD_IP = '198.18.0.2';
  static readonly PREFIX = '198.18.0';

  private readonly processes: { name: string; process: ManagedProcess }[] = [];

  private constructor(
    readonly pod: string,
    readonly node: string,
  ) {}

  /** Needs root (network namespaces and iptables), as the capture init container does. */
  static create(nodeAddresses: readonly string[]): PodNetwork {
    if (process.getuid?.() !== 0) throw new Error('the injected-pod test creates network namespaces and iptables rules: run it as root (CI does)');
    const id = `${process.pid % 100000}${Math.floor(Math.random() * 100)}`;
    const network = new PodNetwork(`mf-pod-${id}`, `mf-node-${id}`);
    const [podEnd, nodeEnd] = [`mfp${id}`, `mfn${id}`];
    try {
      ip('netns', 'add', network.pod);
      ip('netns', 'add', network.node);
      ip('link', 'add', podEnd, 'type', 'veth', 'peer', 'name', nodeEnd);
      ip('link', 'set', podEnd, 'netns', network.pod);
      ip('link', 'set', nodeEnd, 'netns', network.node);
      network.ip(network.pod, 'addr', 'add', `${PodNetwork.POD_IP}/24`, 'dev', podEnd);
      for (const address of nodeAddresses) network.ip(network.node, 'addr', 'add', `${address}/24`, 'dev', nodeEnd);
      for (const [ns, end] of [[network.pod, podEnd], [network.node, nodeEnd]] as const) {
        network.ip(ns, 'link', 'set', 'lo', 'up');
        network.ip(ns, 'link', 'set', end, 'up');
      }
      // As container runtimes set it in a pod's namespace (containerd, CRI-O, Docker): its non-root proxy may bind outbound listeners on mesh ports below 1024.
      network.run(network.pod, 'sysctl', ['-q', '-w', 'net.ipv4.ip_unprivileged_port_start=0']);
    } catch (error) {
      network.destroyNamespaces();
      throw error;
    }
    return network;
  }

  /** Runs `command` inside `ns` (optionally as `uid`), kept for `destroy` and `logs`. */
  start(ns: string, command: string, args: readonly string[], options: { name: string; uid?: number }): ManagedProcess {
    const asUser = options.uid === undefined ? [] : ['setpriv', `--reuid=${options.uid}`, `--regid=${options.uid}`, '--clear-groups'];
    const managed = ManagedProcess.of(spawn('ip', ['netns', 'exec', ns, ...asUser, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
    this.processes.push({ name: options.name, process: managed });
    return managed;
  }

  /** The last lines of every process's output, for a failure message. */
  logs(lines = 15): string {
    return this.processes.map(({ name, process: p }) => `--- ${name}${p.running ? '' : ' (exited)'}\n${p.output.split('\n').slice(-lines).join('\n')}`).join('\n');
  }

  /** Runs a command to completion inside `ns`, with `env` added to the environment; its stdout. */
  run(ns: string, command: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): string {
    return execFileSync('ip', ['netns', 'exec', ns, command, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  }

  /** Stops every process started here, then removes both namespaces (the veth pair goes with them). */
  async destroy(): Promise<void> {
    await Promise.all(this.processes.map(({ process: p }) => p.stop()));
    this.destroyNamespaces();
  }

  private ip(ns: string, ...args: string[]): void {
    ip('-n', ns, ...args);
  }

  private destroyNamespaces(): void {
    for (const ns of [this.pod, this.node]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // Never created.
      }
    }
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
