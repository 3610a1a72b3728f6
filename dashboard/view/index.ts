export * from './elk-graph';
export * from './format';
export * from './graph-diff';
export * from './graph-elements';
export * from './place-new-nodes';
export * from './search';
export * from './test-hook';
