export * from './prometheus-text';
export * from './golden-signals';
