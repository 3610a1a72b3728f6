export * from './environments';
export * from './platform';
export * from './gitops-output';
