import { Command, Option } from 'commander';
import type { ControllerFlags } from '../controller-command';
import { durationMs, httpUrl, portNumber, repeatable, wholeNumber } from '../option-values';
import { exitCodeAction, type Load } from '../program';

/** `meshform controller`: the control plane; also the controller image's default command (cli/controller-main.ts). */
export function controllerCommand(load: Load<typeof import('../controller-command')>): Command {
  return new Command('controller')
    .summary('run the control plane (xDS, SDS, CA)')
    .description(
      'run the control plane (xDS, SDS and the mesh CA) until SIGINT or SIGTERM. Prints {"event":"ready","xdsPort":…,"adminPort":…,"metricsPort":…} on stdout when serving; logs go to stderr',
    )
    .usage('--local <dir> | --kubernetes [options]')
    .addOption(new Option('--local <dir>', 'local mode: read the mesh manifests under <dir> and watch them').conflicts('kubernetes'))
    .option('--registry <file>', 'local mode: the registry of workload instances', '.meshform/registry.json')
    .option('--kubernetes', 'Kubernetes mode: watch the mesh resources, Pods and EndpointSlices; elect a leader through a Lease')
    .option('--kubeconfig <file>', 'the API server to watch (default: in-cluster, else KUBECONFIG)')
    .addOption(new Option('--namespace <ns>', 'where the leader Lease lives').env('POD_NAMESPACE').default('meshform-system'))
    .addOption(new Option('--pod-name <name>', "this replica's identity in the Lease").env('POD_NAME').default('', 'the host name'))
    .option('--token-audience <aud>', "an audience the proxies' tokens may name; repeat for more", repeatable)
    .option('--host <addr>', 'address of both ports (default: 127.0.0.1 local, 0.0.0.0 Kubernetes)')
    .option('--xds-port <n>', 'ADS (gRPC) port, 0 picks a free one (default: 15010 local, 15012 Kubernetes)', portNumber)
    .option('--admin-port <n>', 'admin HTTP port, 0 picks a free one', portNumber, 15014)
    .option('--metrics-port <n>', 'a port serving only /metrics (Prometheus), 0 picks a free one (default: none; /metrics is on the admin port too)', portNumber)
    .option('--xds-tls', 'serve xDS over TLS (default: off local, on Kubernetes)')
    .option('--no-xds-tls', 'serve xDS in plaintext')
    .option('--debounce-ms <n>', 'quiet time that ends a burst of changes before a push (default: 100)', wholeNumber)
    .option('--ca-cert <pem>', 'a provided CA certificate, with --ca-key (default: a self-signed root)')
    .option('--ca-key <pem>', "the provided CA's key (PKCS#8, ECDSA P-256)")
    .option('--ca-chain <pem>', 'the certificates between a provided intermediate CA and --ca-root')
    .option('--ca-root <pem>', 'the root of a provided intermediate CA')
    .option('--ca-dir <dir>', 'keep the self-signed root in <dir> (ca.crt, ca.key): made on the first start, reused after a restart (default: in memory only)')
    .option('--prometheus-url <url>', "the dashboard's traffic from this Prometheus (rate and latency of the sidecars' metrics per pod) instead of scraping every sidecar", httpUrl)
    .option('--cert-ttl <duration>', "workload certificate lifetime (default: the Mesh's ca.workloadCertTtl)", durationMs)
    .action(
      exitCodeAction((flags: ControllerFlags, command: Command) => {
        if (flags.local === undefined && !flags.kubernetes) command.error('error: choose one of --local <dir> or --kubernetes');
        if ((flags.caCert === undefined) !== (flags.caKey === undefined)) command.error('error: --ca-cert and --ca-key go together');
        return load().runController(flags);
      }),
    );
}
