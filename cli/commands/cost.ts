import { Command, Option } from 'commander';
import { DEFAULT_PRICES } from '../../lib/cost/prices';
import type { CostOptions } from '../cost-command';
import { positiveNumber, wholeNumber } from '../option-values';
import { exitCodeAction, type Load } from '../program';

/** `meshform cost`: what an environment's sidecars and control plane cost a month, beside Istio's and Linkerd's published figures. */
export function costCommand(load: Load<typeof import('../cost-command')>): Command {
  return new Command('cost')
    .summary("monthly cost of an environment's sidecars and control plane")
    .description("monthly cost of an environment's sidecars (from the newest benchmark run) and control plane (its requests), beside Istio's and Linkerd's published per-sidecar figures; see docs/cost.md")
    .option('--env <name>', 'the environment', 'dev')
    .addOption(new Option('--rps-per-pod <n>', 'requests per second through each sidecar').argParser(wholeNumber).default(100))
    .addOption(new Option('--price-vcpu-hour <usd>', 'price of a vCPU for an hour').argParser(positiveNumber).default(DEFAULT_PRICES.vcpuHour, `${DEFAULT_PRICES.vcpuHour}, GCE E2 us-central1`))
    .addOption(new Option('--price-gb-hour <usd>', 'price of a GiB of memory for an hour').argParser(positiveNumber).default(DEFAULT_PRICES.gibHour, `${DEFAULT_PRICES.gibHour}, GCE E2 us-central1`))
    .option('--results <dir>', 'where `npm run bench` wrote its runs', 'bench/results')
    .option('--json', 'the report as JSON')
    .action(exitCodeAction((options: CostOptions) => load().runCost(options)));
}
