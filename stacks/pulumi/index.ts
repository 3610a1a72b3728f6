import * as pulumi from '@pulumi/pulumi';
import { environmentFromConfig } from './environment-config';
import { registerPlatform } from './register-platform';

// `pulumi up --stack dev|staging|prod`: the stack name is the environment.
const config = new pulumi.Config('meshform');
const env = environmentFromConfig(pulumi.getStack(), (key) => config.get(key));
export const objects = registerPlatform(env).length;
export const environment = env.name;
