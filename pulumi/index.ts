export * from './mesh-platform';
export * from './kubernetes-resource';
export * from './environment-config';
export { ENVIRONMENTS, environmentNamed, parseEnvironment, buildPlatform, type Environment } from '../stacks';
