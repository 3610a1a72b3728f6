import { Command } from 'commander';
import type { DashboardOptions } from '../dashboard-command';
import { portNumber } from '../option-values';
import { exitCodeAction, type Load } from '../program';

/** `meshform dashboard`: where to see the mesh in a browser. */
export function dashboardCommand(load: Load<typeof import('../dashboard-command')>): Command {
  return new Command('dashboard')
    .summary("the mesh's web dashboard: topology, golden signals, canaries, proxies")
    .description(
      "local mode: print the dashboard's URL on the controller of the mesh `meshform up` runs. --kubernetes: serve the controller's dashboard on 127.0.0.1, forwarded through the API server with your kubeconfig's token (like kubectl proxy; needs the meshform-debugger role), until Ctrl-C",
    )
    .option('--workspace <dir>', 'local mode: the workspace of `meshform up`', '.meshform')
    .option('--kubernetes', "Kubernetes mode: reach the controller's admin port through the API server")
    .option('--kubeconfig <file>', 'the cluster and user to act as (default: KUBECONFIG, else ~/.kube/config)')
    .option('--controller-namespace <ns>', "the control plane's namespace", 'meshform-system')
    .option('--admin-address <host:port>', "the controller's admin port, when it is reachable without a port-forward")
    .option('--port <n>', 'Kubernetes mode: the local port to serve on, 0 picks a free one', portNumber, 0)
    .action(exitCodeAction((options: DashboardOptions) => load().runDashboard(options)));
}
