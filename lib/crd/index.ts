export * from './structural-schema';
export * from './custom-resource-definition';
