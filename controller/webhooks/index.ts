export * from './admission-review';
export * from './inject-review';
export * from './validate-review';
export * from './webhook-server';
export * from './certificates';
export * from './bootstrap-secrets';
export * from './webhook-command';
