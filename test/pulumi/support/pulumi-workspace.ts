import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { LocalWorkspace, PulumiCommand, type PulumiFn, type Stack } from '@pulumi/pulumi/automation';
import { parse, stringify } from 'yaml';
import { REPO_ROOT } from '../../../scripts/k8s/api-server';

/** What scripts/pulumi/build-pulumi.sh built: bin/pulumi, and home/ with the Kubernetes plugin installed. */
export const PULUMI_CACHE = process.env.MESHFORM_PULUMI_CACHE ?? path.join(REPO_ROOT, '.cache/pulumi');
export const PULUMI_PROJECT = path.join(REPO_ROOT, 'stacks/pulumi');

export interface StackOptions {
  /** The stack (and environment) name: dev, staging or prod. */
  readonly stack: string;
  /** The program, run in this process by the Automation API's language runtime (`pulumi up --client`). */
  readonly program: PulumiFn;
  /** A copy of stacks/pulumi's Pulumi.yaml and Pulumi.<stack>.yaml, where test-only config may be set. */
  readonly workDir: string;
  /** The local file backend's folder (`pulumi login file://<folder>`). */
  readonly stateDir: string;
  readonly kubeconfig: string;
}

/**
 * Copies the project file and the stack's config file, so config the test sets never touches the
 * repository's. The copy has no `main`: the program runs inline, and the CLI checks that `main` exists.
 */
export function copyProject(stack: string, workDir: string): void {
  mkdirSync(workDir, { recursive: true });
  const { main: _inline, ...project } = parse(readFileSync(path.join(PULUMI_PROJECT, 'Pulumi.yaml'), 'utf8')) as Record<string, unknown>;
  writeFileSync(path.join(workDir, 'Pulumi.yaml'), stringify(project));
  cpSync(path.join(PULUMI_PROJECT, `Pulumi.${stack}.yaml`), path.join(workDir, `Pulumi.${stack}.yaml`));
}

/**
 * The stack through the real Pulumi CLI: a local file backend, the passphrase secrets provider, the
 * plugin home the build script filled, nothing fetched from the network (no update check, no plugin
 * download), and the Kubernetes provider pointed at `kubeconfig`.
 */
export async function pulumiStack(options: StackOptions): Promise<Stack> {
  mkdirSync(options.stateDir, { recursive: true });
  const pulumiCommand = await PulumiCommand.get({ root: PULUMI_CACHE });
  return LocalWorkspace.createOrSelectStack(
    { stackName: options.stack, projectName: 'meshform', program: options.program },
    {
      workDir: options.workDir,
      pulumiCommand,
      secretsProvider: 'passphrase',
      envVars: {
        PULUMI_HOME: path.join(PULUMI_CACHE, 'home'),
        PULUMI_BACKEND_URL: `file://${options.stateDir}`,
        PULUMI_CONFIG_PASSPHRASE: 'meshform-test',
        PULUMI_SKIP_UPDATE_CHECK: 'true',
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
        KUBECONFIG: options.kubeconfig,
      },
    },
  );
}
