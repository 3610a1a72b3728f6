export type * from './dashboard-snapshot';
export * from './canary-summary';
export * from './instance-rates';
export * from './service-policies';
export * from './service-routes';
export * from './signal-tally';
export * from './traffic-graph';
export * from './workload-placement';
