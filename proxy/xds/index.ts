export { ADS_CHANNEL_OPTIONS, AdsClient } from './ads-client';
export type { AdsClientOptions, ResponseHandler } from './ads-client';
export { Backoff } from './backoff';
