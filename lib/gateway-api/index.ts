export * from './objects';
export * from './conditions';
export * from './reference-grants';
export * from './route-rules';
export * from './convert-gateway';
export * from './convert-route';
export * from './validate-draft';
export * from './convert-gateway-api';
