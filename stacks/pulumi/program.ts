import * as pulumi from '@pulumi/pulumi';
import type { App } from 'cdk8s';
import { MeshPlatform, environmentFromConfig } from '../../pulumi';
import type { Environment } from '../environments';
import { buildPlatform } from '../platform';

/**
 * The program of every stack: the stack name picks the environment (dev, staging, prod), its
 * `Pulumi.<stack>.yaml` overrides the environment's settings, and one `MeshPlatform` deploys it.
 * Returns the stack outputs. `build` makes the platform's app from the environment (the platform
 * itself unless a caller changes it).
 */
export function platformStack(build: (env: Environment) => App = buildPlatform) {
  const config = new pulumi.Config('meshform');
  const env = environmentFromConfig(pulumi.getStack(), (key) => config.get(key));
  const platform = new MeshPlatform('meshform', { chart: build(env), skipAwait: config.getBoolean('skipAwait') ?? false });
  return {
    environment: env.name,
    xdsEndpoint: platform.xdsEndpoint,
    caRoot: platform.caRoot,
    namespaces: platform.namespaces,
    objectCount: platform.objectCount,
  };
}
