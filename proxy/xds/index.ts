export { AdsClient } from './ads-client';
export type { AdsClientOptions, ResponseHandler } from './ads-client';
export { Backoff } from './backoff';
