export { AdsClient } from './ads-client';
export type { AdsClientOptions, ResponseHandler } from './ads-client';
export { Backoff } from './backoff';
export { ADS_CHANNEL_OPTIONS, ControllerChannel } from './controller-channel';
export type { ControllerChannelOptions } from './controller-channel';
export { ControllerStream, INVALID_ARGUMENT, rejectionOf } from './controller-stream';
export type { ControllerStreamOptions } from './controller-stream';
export { VhdsClient } from './vhds-client';
export type { DeltaHandler, VhdsClientOptions } from './vhds-client';
