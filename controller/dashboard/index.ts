export * from './dashboard-api';
export * from './dashboard-collector';
export * from './dashboard-handler';
export * from './prometheus-traffic';
export * from './proxy-summaries';
export * from './sidecar-traffic';
export * from './signal-series';
export * from './traffic-source';
