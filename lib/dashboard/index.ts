export type * from './dashboard-snapshot';
