export * from './admission-review';
export * from './inject-review';
export * from './validate-review';
export * from './webhook-server';
export * from './serving-certificate';
