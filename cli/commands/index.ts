export * from './analyze';
export * from './bootstrap-secrets';
export * from './controller';
export * from './proxy';
export * from './stat';
export * from './synth';
export * from './up';
export * from './webhooks';
