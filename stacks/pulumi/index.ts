import { platformStack } from './program';

// `pulumi up --stack dev|staging|prod`: the stack name is the environment.
export const { environment, xdsEndpoint, caRoot, namespaces, objectCount } = platformStack();
