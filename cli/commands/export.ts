import { Command, Option } from 'commander';
import type { ExportOptions } from '../export-command';
import { exitCodeAction, type Load } from '../program';

/** `meshform export --to istio <dir>`: Meshform resources → Istio's, so a mesh can leave. */
export function exportCommand(load: Load<typeof import('../export-command')>): Command {
  return new Command('export')
    .summary('convert the Meshform resources under <dir> into Istio (or Gateway API) resources')
    .description('convert every Meshform resource in the YAML files under <dir> into Istio resources (and the Kubernetes Services of the MeshServices), which `meshform import` reads back to the same resources; or, with --to gateway-api, the routes into Gateway API HTTPRoutes attached to their Services')
    .argument('<dir>', 'a folder of manifests (searched recursively)')
    .addOption(new Option('--to <mesh>', 'what to convert to').choices(['istio', 'gateway-api']).default('istio'))
    .option('--out <dir>', 'write istio.yaml (or gateway-api.yaml) here (default: stdout)')
    .action(exitCodeAction((dir: string, options: ExportOptions) => load().runExport(dir, options)));
}
