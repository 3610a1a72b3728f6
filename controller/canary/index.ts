export * from './canary-driver';
