import { Command, Option } from 'commander';
import type { ImportOptions } from '../import-command';
import { exitCodeAction, type Load } from '../program';

/** `meshform import <paths...>`: Istio, SMI, Linkerd, Flagger and Gateway API YAML → Meshform. */
export function importCommand(load: Load<typeof import('../import-command')>): Command {
  return new Command('import')
    .summary('convert Istio, SMI, Linkerd, Flagger and Gateway API YAML into Meshform resources')
    .description(
      'convert Istio (VirtualService, DestinationRule, ServiceEntry, PeerAuthentication, AuthorizationPolicy, RequestAuthentication), SMI TrafficSplit, Linkerd ServiceProfile, Flagger Canary and Gateway API HTTPRoute objects, with the Kubernetes Services they route, into Meshform resources; every field that has no Meshform equivalent is listed in the report',
    )
    .argument('<paths...>', 'manifest files or folders (searched recursively)')
    .option('--out <dir>', 'write mesh.yaml (or mesh.ts), workloads.yaml and import-report.txt here (default: the resources on stdout, the report on stderr)')
    .addOption(new Option('--format <format>', 'Meshform resources as YAML, or a TypeScript cdk8s chart using the constructs').choices(['yaml', 'ts']).default('yaml'))
    .option('--strict', 'exit 1 when any field could not be carried over')
    .action(exitCodeAction((paths: string[], options: ImportOptions) => load().runImport(paths, options)));
}
