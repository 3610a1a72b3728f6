export * from './environments';
export * from './platform';
