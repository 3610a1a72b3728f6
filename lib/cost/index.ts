export * from './cost-error';
export * from './cost-model';
export * from './cost-table';
export * from './mesh-footprint';
export * from './prices';
export * from './proxy-figures';
export * from './published-figures';
export * from './quantity';
