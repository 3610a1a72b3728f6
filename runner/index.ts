export * from './instance-plan';
export * from './workspace';
export * from './child-process';
export * from './local-mesh';
export * from './cli-entry';
export * from './mesh-state';
export * from './supervisor';
export * from './call-guide';
