export * from './instance-plan';
export * from './workspace';
export * from './child-process';
export * from './local-mesh';
export * from './cli-entry';
export * from './prometheus-text';
export * from './golden-signals';
export * from './mesh-state';
