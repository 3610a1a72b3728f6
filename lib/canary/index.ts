export * from './canary-analysis';
export * from './canary-route';
