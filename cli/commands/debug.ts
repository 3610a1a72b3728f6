import { Command, Option } from 'commander';
import type { DebugConfigOptions } from '../debug-command';
import { exitCodeAction, type Load } from '../program';

/** `meshform debug`: what the control plane knows of a proxy, like `istioctl proxy-config`. */
export function debugCommand(load: Load<typeof import('../debug-command')>): Command {
  const debug = new Command('debug').summary("inspect a proxy's configuration through the controller").description("inspect what the controller sent a pod's proxy and what it acknowledged (Kubernetes mode; needs the meshform-debugger role)");
  debug
    .command('config')
    .summary("a pod's proxy configuration: versions sent and acknowledged, last NACK, resources")
    .description("print what the controller sent a pod's proxy: identity, versions sent and acked per xDS type, the last NACK, resource names and issues; reaches the controller by a port-forward through the API server unless --admin-address names it")
    .argument('<pod>', 'the pod whose proxy to show')
    .option('-n, --namespace <ns>', "the pod's namespace (default: the kubeconfig context's, else default)")
    .option('--controller-namespace <ns>', "the control plane's namespace", 'meshform-system')
    .option('--kubeconfig <file>', 'the cluster and user to act as (default: KUBECONFIG, else ~/.kube/config)')
    .option('--admin-address <host:port>', "the controller's admin port, when it is reachable without a port-forward")
    .addOption(new Option('-o, --output <format>', 'summary or the raw dump').choices(['summary', 'json']).default('summary'))
    .action(exitCodeAction((pod: string, options: Omit<DebugConfigOptions, 'pod'>) => load().runDebugConfig({ ...options, pod })));
  return debug;
}
